//! Typed reading of one JSON object already checked by [`kavach_jose::json::parse_object`]:
//! each member taken once by name, its JSON type checked, and (for kavach's own schemas) every
//! member accounted for.

use serde_json::{Map, Value};

use crate::error::{MessageError, Result};

/// Whether members outside the schema are refused (kavach's own objects) or ignored (MOSIP's,
/// whose producers add members of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    /// Unknown members are an error.
    Closed,
    /// Unknown members are ignored (and dropped: nothing keeps them).
    Lenient,
}

/// Reads the members of one object.
pub(crate) struct ObjectReader<'a> {
    name: &'static str,
    members: &'a Map<String, Value>,
    taken: usize,
    schema: Schema,
}

impl<'a> ObjectReader<'a> {
    /// A reader over `value`, which must be an object; `name` names it in errors.
    pub(crate) fn new(name: &'static str, value: &'a Value, schema: Schema) -> Result<Self> {
        match value {
            Value::Object(members) => Ok(Self::over(name, members, schema)),
            _ => Err(MessageError::WrongType {
                field: name,
                expected: "an object",
            }),
        }
    }

    /// A reader over `members`.
    pub(crate) fn over(name: &'static str, members: &'a Map<String, Value>, schema: Schema) -> Self {
        Self {
            name,
            members,
            taken: 0,
            schema,
        }
    }

    /// The member `field`, if present (`null` counts as present: a `null` is never a valid value
    /// here, so the type check refuses it).
    pub(crate) fn optional(&mut self, field: &'static str) -> Option<&'a Value> {
        let value = self.members.get(field)?;
        self.taken += 1;
        Some(value)
    }

    /// The member `field`.
    pub(crate) fn required(&mut self, field: &'static str) -> Result<&'a Value> {
        self.optional(field).ok_or(MessageError::Missing { field })
    }

    /// The string member `field`, at most `max` bytes.
    pub(crate) fn string(&mut self, field: &'static str, max: usize) -> Result<&'a str> {
        as_str(field, self.required(field)?, max)
    }

    /// The non-negative integer member `field`, at most `max`.
    pub(crate) fn integer(&mut self, field: &'static str, max: u64) -> Result<u64> {
        as_integer(field, self.required(field)?, max)
    }

    /// The array member `field` with at most `max` elements.
    pub(crate) fn array(&mut self, field: &'static str, max: usize) -> Result<&'a [Value]> {
        as_array(field, self.required(field)?, max)
    }

    /// The optional array member `field` with at most `max` elements.
    pub(crate) fn optional_array(&mut self, field: &'static str, max: usize) -> Result<Option<&'a [Value]>> {
        self.optional(field)
            .map(|value| as_array(field, value, max))
            .transpose()
    }

    /// The object member `field`, read by the same schema rule as `schema`.
    pub(crate) fn object(&mut self, field: &'static str, schema: Schema) -> Result<ObjectReader<'a>> {
        ObjectReader::new(field, self.required(field)?, schema)
    }

    /// Ends the reading: under [`Schema::Closed`], every member must have been taken.
    pub(crate) fn finish(self) -> Result<()> {
        if self.schema == Schema::Closed && self.taken != self.members.len() {
            return Err(MessageError::UnknownMember { within: self.name });
        }
        Ok(())
    }
}

/// `value` as a string of at most `max` bytes.
pub(crate) fn as_str<'a>(field: &'static str, value: &'a Value, max: usize) -> Result<&'a str> {
    let Value::String(text) = value else {
        return Err(MessageError::WrongType {
            field,
            expected: "a string",
        });
    };
    if text.len() > max {
        return Err(MessageError::TooLarge {
            what: field,
            len: text.len(),
            max,
        });
    }
    Ok(text)
}

/// `value` as a non-negative integer of at most `max` (JSON numbers with a fraction or an
/// exponent are refused, even when their value is whole).
pub(crate) fn as_integer(field: &'static str, value: &Value, max: u64) -> Result<u64> {
    let Value::Number(number) = value else {
        return Err(MessageError::WrongType {
            field,
            expected: "an integer",
        });
    };
    let n = number.as_u64().ok_or(MessageError::Grammar {
        field,
        rule: "a non-negative integer",
    })?;
    if n > max {
        return Err(MessageError::Grammar {
            field,
            rule: "an integer within its range",
        });
    }
    Ok(n)
}

/// `value` as an array of at most `max` elements.
pub(crate) fn as_array<'a>(field: &'static str, value: &'a Value, max: usize) -> Result<&'a [Value]> {
    let Value::Array(items) = value else {
        return Err(MessageError::WrongType {
            field,
            expected: "an array",
        });
    };
    if items.len() > max {
        return Err(MessageError::TooMany {
            what: field,
            count: items.len(),
            max,
        });
    }
    Ok(items)
}

/// Refuses `bytes` longer than `max` before any parsing.
pub(crate) fn check_len(what: &'static str, bytes: &[u8], max: usize) -> Result<()> {
    if bytes.len() > max {
        return Err(MessageError::TooLarge {
            what,
            len: bytes.len(),
            max,
        });
    }
    Ok(())
}
