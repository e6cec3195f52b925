//! The FTM key-attestation statement of an L1 enrollment (WIRE.md §6.3 rule 11): a JWS signed by
//! the FTM key over `{"type":"key-attestation","spkiSha256":"<b64url>","generatedIn":"ftm",
//! "exportable":false}`, saying that the key whose SPKI has that SHA-256 was generated inside
//! the FTM and cannot leave it.

use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_jws::{CompactJws, SignOptions, sign};
use kavach_keys::{PublicKey, Signer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::grammar::{CompactJwsText, Sha256Digest};
use crate::reader::{ObjectReader, Schema};

/// The SHA-256 of a public key's SubjectPublicKeyInfo DER.
pub fn spki_sha256(key: &PublicKey) -> Sha256Digest {
    Sha256Digest::from_bytes(Sha256::digest(key.spki_der()).into())
}

/// Signs an attestation for `attested` with the FTM key `ftm`: the JWS text for `enroll`'s
/// `attestation`.
pub fn attest_key(ftm: &dyn Signer, attested: &PublicKey) -> Result<String, kavach_jws::Error> {
    let mut m = Map::new();
    m.insert("type".into(), "key-attestation".into());
    m.insert("spkiSha256".into(), spki_sha256(attested).to_base64url().into());
    m.insert("generatedIn".into(), "ftm".into());
    m.insert("exportable".into(), false.into());
    let jws = sign(ftm, Value::Object(m).to_string().as_bytes(), &SignOptions::new())?;
    Ok(jws.as_str().to_owned())
}

/// Whether `attestation` is signed by the FTM key `ftm_key` and attests `attested` as generated
/// in the FTM and not exportable.
pub fn attestation_holds(attestation: &CompactJwsText, ftm_key: &PublicKey, attested: &PublicKey) -> bool {
    let Ok(jws) = CompactJws::parse(attestation.as_str()) else {
        return false;
    };
    let Ok(bare) = BareKey::with_fitting_algorithms(ftm_key.clone()) else {
        return false;
    };
    let Ok(verified) = verify_with_bare_key(&jws, &bare) else {
        return false;
    };
    let Ok(members) = kavach_jose::json::parse_object(verified.payload()) else {
        return false;
    };
    let mut r = ObjectReader::over("attestation", &members, Schema::Closed);
    let ok = (|| {
        let kind = r.string("type", 32).ok()?;
        let digest = Sha256Digest::read("spkiSha256", r.required("spkiSha256").ok()?).ok()?;
        let generated_in = r.string("generatedIn", 16).ok()?;
        let exportable = r.required("exportable").ok()?.as_bool()?;
        Some(kind == "key-attestation" && generated_in == "ftm" && !exportable && digest == spki_sha256(attested))
    })();
    ok == Some(true) && r.finish().is_ok()
}
