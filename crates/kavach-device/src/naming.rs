//! The subject a device certificate is issued with: one function for the server that issues it
//! and the client that checks it (rule 13).

use kavach_pki::issue::DistinguishedName;

use crate::grammar::Label;

/// `CN=<serialNo>`, the serial number escaped as an RFC 4514 attribute value.
pub fn device_subject(serial_no: &Label) -> Result<DistinguishedName, kavach_pki::Error> {
    let mut value = String::with_capacity(serial_no.as_str().len() * 2);
    for (i, c) in serial_no.as_str().chars().enumerate() {
        if matches!(c, ',' | '+' | ';' | '=') || (i == 0 && c == '#') {
            value.push('\\');
        }
        value.push(c);
    }
    DistinguishedName::parse(&format!("CN={value}"))
}

/// Whether `certificate` names `serial_no` as its subject exactly as [`device_subject`] writes it.
pub fn names_serial(certificate: &kavach_pki::Certificate, serial_no: &Label) -> bool {
    device_subject(serial_no).is_ok_and(|expected| expected == DistinguishedName::of_subject(certificate))
}
