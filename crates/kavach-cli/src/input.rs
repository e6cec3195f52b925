//! Reading the files named on the command line (`-` is standard input), with a size bound.

use std::io::Read;
use std::path::Path;

use crate::report::{Failure, code};

/// Largest input read from one file or from standard input: 64 MiB. The largest objects
/// kavach parses are a CRL (16 MiB, `kavach_pki::MAX_CRL_LEN`) and a certificate bundle
/// (8 MiB, `kavach_pki::MAX_BUNDLE_LEN`); envelopes and payloads of the partner exchange are
/// far smaller. Anything larger is refused before it is parsed.
pub(crate) const MAX_INPUT_LEN: u64 = 64 * 1024 * 1024;

/// Reads the inputs of one command; remembers whether standard input was already used.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    stdin_used: bool,
}

impl Inputs {
    /// Inputs with standard input still unread.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reads `path` (`-`: standard input, once per command).
    pub(crate) fn read(&mut self, path: &Path) -> Result<Vec<u8>, Failure> {
        let name = display_name(path);
        let mut bytes = Vec::new();
        let result = if path == Path::new("-") {
            if self.stdin_used {
                return Err(Failure::usage(
                    code::STDIN_TWICE,
                    "standard input (-) can be named only once per command",
                ));
            }
            self.stdin_used = true;
            std::io::stdin().lock().take(MAX_INPUT_LEN + 1).read_to_end(&mut bytes)
        } else {
            std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_LEN + 1).read_to_end(&mut bytes))
        };
        result.map_err(|e| Failure::usage(code::IO, format_args!("{name}: cannot read: {e}")))?;
        if bytes.len() as u64 > MAX_INPUT_LEN {
            return Err(Failure::usage(
                code::TOO_LARGE,
                format_args!("{name}: larger than {MAX_INPUT_LEN} bytes"),
            ));
        }
        Ok(bytes)
    }
}

/// How a path is named in messages: `standard input` for `-`.
pub(crate) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// True when `bytes` holds only whitespace (an empty chain file names no certificate).
pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Exit-2 code for a private key file that does not parse or does not fit its use.
pub(crate) const KEY: &str = "KVC-CLI-KEY";

/// Reads a private key (PKCS#8, PKCS#1 or SEC1; PEM or DER) from `path`.
pub(crate) fn read_key(inputs: &mut Inputs, path: &Path) -> Result<kavach_keys::PrivateKey, Failure> {
    let bytes = kavach_keys::Zeroizing::new(inputs.read(path)?);
    kavach_keys::PrivateKey::from_pem_or_der(&bytes)
        .map_err(|e| Failure::usage(KEY, format_args!("{}: {e}", display_name(path))))
}
