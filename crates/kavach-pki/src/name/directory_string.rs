//! Reading the text of a DirectoryString (and the other string types found in names): one
//! decoder for name constraints and for RFC 4518 name preparation.

use der::asn1::PrintableStringRef;
use der::{Tag, Tagged};

/// The text of a string-typed attribute value: `None` when the value is not a string type,
/// `Some(Err(()))` when it is one but does not decode. Every DirectoryString choice (X.520:
/// TeletexString, PrintableString, UniversalString, UTF8String, BMPString) and the IA5String,
/// VisibleString and NumericString found in the wild. TeletexString is read as ISO 8859-1, as
/// OpenSSL does. A UniversalString (tag 28) never reaches here: der 0.8 knows no such tag, so
/// a certificate holding one does not parse.
pub(crate) fn directory_string(v: &der::Any) -> Option<core::result::Result<String, ()>> {
    let bytes = v.value();
    let ascii = |bytes: &[u8]| {
        if bytes.is_ascii() {
            Ok(String::from_utf8_lossy(bytes).into_owned())
        } else {
            Err(())
        }
    };
    Some(match v.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(v)
            .map(|s| s.as_str().to_owned())
            .map_err(|_| ()),
        Tag::Utf8String => core::str::from_utf8(bytes).map(str::to_owned).map_err(|_| ()),
        Tag::Ia5String | Tag::VisibleString | Tag::NumericString => ascii(bytes),
        Tag::TeletexString => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                Err(())
            } else {
                let units = bytes.chunks_exact(2).map(|b| u16::from_be_bytes([b[0], b[1]]));
                char::decode_utf16(units)
                    .collect::<core::result::Result<String, _>>()
                    .map_err(|_| ())
            }
        }
        // String types kavach cannot read: known to be strings, so never "not equal".
        Tag::VideotexString | Tag::GeneralString => Err(()),
        _ => return None,
    })
}
