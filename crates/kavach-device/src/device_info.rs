//! MOSIP's device descriptions: the digital ID an FTM signs and `deviceInfo` (SBI 1.0). Their
//! schema is MOSIP's, so members kavach does not define are ignored (and dropped), while every
//! member kavach reads has a grammar (rule 18).

use serde_json::{Map, Value, json};

use crate::error::{MessageError, Result};
use crate::grammar::{Certification, DevicePurpose, DeviceStatus, Env, IsoDateTime, Label, SemVer};
use crate::reader::{ObjectReader, Schema, as_integer, as_str};

/// Most `deviceSubId` entries (MOSIP: 0 for a single device, 1–3 for the positions of a slap or
/// the two irises).
pub const MAX_DEVICE_SUB_IDS: usize = 4;

/// Most `specVersion` entries.
pub const MAX_SPEC_VERSIONS: usize = 8;

/// The payload of a digital ID (SBI 1.0 §"Digital ID"), signed by the FTM key: which device this
/// is. Rule 4 has the server compare it byte for byte with the one recorded at enrollment, so the
/// signed text is what counts; this type is what the protocol rules read from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitalId {
    /// `serialNo`.
    pub serial_no: Label,
    /// `make`.
    pub make: Label,
    /// `model`.
    pub model: Label,
    /// `type` (MOSIP: `Finger`, `Iris`, `Face`, `Biometric Device`).
    pub device_type: Label,
    /// `deviceSubType` (MOSIP: `Slap`, `Single`, `Touchless`, `Double`, `Full face`).
    pub device_sub_type: Label,
    /// `deviceProvider`.
    pub device_provider: Label,
    /// `deviceProviderId`.
    pub device_provider_id: Label,
    /// `dateTime`, as the device wrote it.
    pub date_time: IsoDateTime,
}

impl DigitalId {
    /// Reads a digital ID payload (a JSON object; MOSIP's schema: other members ignored).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        crate::reader::check_len("digital ID payload", bytes, crate::limits::MAX_MESSAGE_LEN)?;
        let members = kavach_jose::json::parse_object(bytes).map_err(MessageError::Json)?;
        Self::read(&mut ObjectReader::over("digitalId", &members, Schema::Lenient))
    }

    pub(crate) fn read(r: &mut ObjectReader<'_>) -> Result<Self> {
        Ok(Self {
            serial_no: Label::read("serialNo", r.required("serialNo")?)?,
            make: Label::read("make", r.required("make")?)?,
            model: Label::read("model", r.required("model")?)?,
            device_type: Label::read("type", r.required("type")?)?,
            device_sub_type: Label::read("deviceSubType", r.required("deviceSubType")?)?,
            device_provider: Label::read("deviceProvider", r.required("deviceProvider")?)?,
            device_provider_id: Label::read("deviceProviderId", r.required("deviceProviderId")?)?,
            date_time: IsoDateTime::read("dateTime", r.required("dateTime")?)?,
        })
    }

    /// The payload as JSON (members in a fixed order).
    pub fn to_json(&self) -> Vec<u8> {
        let value = json!({
            "serialNo": self.serial_no.as_str(),
            "make": self.make.as_str(),
            "model": self.model.as_str(),
            "type": self.device_type.as_str(),
            "deviceSubType": self.device_sub_type.as_str(),
            "deviceProvider": self.device_provider.as_str(),
            "deviceProviderId": self.device_provider_id.as_str(),
            "dateTime": self.date_time.as_str(),
        });
        value.to_string().into_bytes()
    }
}

/// MOSIP's `deviceInfo` (SBI 1.0), as a device reports it in `enroll` and `collect-info`.
/// The certification level here is the device's claim; the server uses the one in the FTM
/// provisioning record (rule 9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `deviceId`.
    pub device_id: Label,
    /// `deviceSubId`: 0–3 each (MOSIP writes numbers or digit strings; both are read).
    pub device_sub_id: Vec<u8>,
    /// `deviceStatus`.
    pub device_status: DeviceStatus,
    /// `certification` as claimed.
    pub certification: Certification,
    /// `serviceVersion`.
    pub service_version: SemVer,
    /// `firmware`.
    pub firmware: SemVer,
    /// `specVersion`.
    pub spec_version: Vec<SemVer>,
    /// `purpose`.
    pub purpose: DevicePurpose,
    /// `env`.
    pub env: Env,
}

impl DeviceInfo {
    pub(crate) fn read_value(value: &Value) -> Result<Self> {
        let mut r = ObjectReader::new("deviceInfo", value, Schema::Lenient)?;
        let sub_ids = r.array("deviceSubId", MAX_DEVICE_SUB_IDS)?;
        let device_sub_id = sub_ids.iter().map(read_sub_id).collect::<Result<Vec<u8>>>()?;
        let spec_version = r
            .array("specVersion", MAX_SPEC_VERSIONS)?
            .iter()
            .map(|v| SemVer::read("specVersion", v))
            .collect::<Result<Vec<_>>>()?;
        if spec_version.is_empty() {
            return Err(MessageError::Grammar {
                field: "specVersion",
                rule: "at least one version",
            });
        }
        let info = Self {
            device_id: Label::read("deviceId", r.required("deviceId")?)?,
            device_sub_id,
            device_status: DeviceStatus::read("deviceStatus", r.required("deviceStatus")?)?,
            certification: Certification::read("certification", r.required("certification")?)?,
            service_version: SemVer::read("serviceVersion", r.required("serviceVersion")?)?,
            firmware: SemVer::read("firmware", r.required("firmware")?)?,
            spec_version,
            purpose: DevicePurpose::read("purpose", r.required("purpose")?)?,
            env: Env::read("env", r.required("env")?)?,
        };
        r.finish()?;
        Ok(info)
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("deviceId".into(), self.device_id.as_str().into());
        m.insert(
            "deviceSubId".into(),
            self.device_sub_id.iter().map(|&id| Value::from(id)).collect(),
        );
        m.insert("deviceStatus".into(), self.device_status.as_str().into());
        m.insert("certification".into(), self.certification.as_str().into());
        m.insert("serviceVersion".into(), self.service_version.as_str().into());
        m.insert("firmware".into(), self.firmware.as_str().into());
        m.insert(
            "specVersion".into(),
            self.spec_version.iter().map(|v| Value::from(v.as_str())).collect(),
        );
        m.insert("purpose".into(), self.purpose.as_str().into());
        m.insert("env".into(), self.env.as_str().into());
        Value::Object(m)
    }
}

pub(crate) fn read_sub_id(value: &Value) -> Result<u8> {
    const FIELD: &str = "deviceSubId";
    let id = match value {
        Value::String(_) => {
            let text = as_str(FIELD, value, 1)?;
            text.parse::<u8>().map_err(|_| MessageError::Grammar {
                field: FIELD,
                rule: "0, 1, 2 or 3",
            })?
        }
        _ => as_integer(FIELD, value, 3)? as u8,
    };
    if id > 3 {
        return Err(MessageError::Grammar {
            field: FIELD,
            rule: "0, 1, 2 or 3",
        });
    }
    Ok(id)
}
