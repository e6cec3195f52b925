//! Certificates made by the OpenSSL CLI, judged by kavach as `openssl verify -x509_strict`
//! judges them.
//!
//! At test time, in a temporary directory, the OpenSSL CLI builds chains (RSA and EC; with and
//! without basicConstraints, keyUsage, extendedKeyUsage, subjectAltName, pathLenConstraint and
//! nameConstraints; expired, not yet valid, and for the wrong purpose) with `openssl req -x509`,
//! `openssl req -new` and `openssl x509 -req -extfile ...`. Each is judged by
//! `openssl verify -x509_strict -purpose <p> -attime <t> -CAfile root -untrusted inter leaf`
//! (plus `-verify_hostname` / `-verify_ip` where the case names a server) and by
//! [`Validator::verify`] for the mapped purpose at the same time and with the same name.
//!
//! They must agree, except where kavach refuses under a rule of [`STRICTER`] (documented in
//! `crates/kavach-pki/STRICTER.md`). kavach accepting what OpenSSL refuses always fails. The
//! same files also go through rustls-webpki (TLS purposes), shown in the table for reference;
//! kavach accepting what webpki refuses fails too. The test prints a table of the cases on
//! stderr.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kavach_pki::testing::rsa_pool_key;
use kavach_pki::{Certificate, Error, ProfileRule, Purpose, ServerName, TrustDomain, ValidationOptions, Validator};
use rustls_pki_types::{CertificateDer, UnixTime};

const DAY: u64 = 86_400;

/// The key of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// RSA-2048 from the test PKI's pool (index), written out as PKCS#8.
    Rsa(usize),
    /// A P-256 key made by `openssl genpkey` (index).
    P256(usize),
    /// A P-384 key made by `openssl genpkey` (index).
    P384(usize),
    /// RSA-1024 made by `openssl genpkey`: below kavach's key policy.
    Rsa1024,
}

/// One certificate to make: its key, subject, extensions (an OpenSSL extension section) and
/// lifetime in days from now.
#[derive(Clone, Debug)]
struct Spec {
    key: Key,
    subject: &'static str,
    ext: String,
    days: u64,
    /// Extra `openssl x509 -req` options (e.g. `-sigopt`, `-sha384`).
    sign_opts: &'static [&'static str],
}

/// The purpose asked of both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    SslServer,
    SslClient,
    Any,
}

impl Use {
    fn openssl(self) -> &'static str {
        match self {
            Self::SslServer => "sslserver",
            Self::SslClient => "sslclient",
            Self::Any => "any",
        }
    }
    fn kavach(self) -> Purpose {
        match self {
            Self::SslServer => Purpose::TlsServer,
            Self::SslClient => Purpose::TlsClient,
            Self::Any => Purpose::Any,
        }
    }
}

/// One chain and how it is judged. `chain[0]` is the self-signed root, then the intermediates
/// (each issued by the previous), the leaf last.
#[derive(Clone, Debug)]
struct Case {
    name: &'static str,
    chain: Vec<Spec>,
    purpose: Use,
    /// Validation time, seconds from now.
    at: i64,
    /// `-verify_hostname` / `-verify_ip` and kavach's server name.
    server_name: Option<&'static str>,
}

// ----- extension sections -----------------------------------------------------------------

const CA: &str =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
const AKI: &str = "authorityKeyIdentifier=keyid:always\n";

fn root_ext(extra: &str) -> String {
    format!("{CA}{extra}")
}

fn int_ext(extra: &str) -> String {
    format!("{CA}{AKI}{extra}")
}

/// An intermediate section built from scratch (no defaults).
fn raw_ext(lines: &str) -> String {
    format!("subjectKeyIdentifier=hash\n{AKI}{lines}")
}

fn leaf_ext(lines: &str) -> String {
    format!("subjectKeyIdentifier=hash\n{AKI}{lines}")
}

const SERVER_LEAF: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:host.example.com,IP:10.1.2.3\n";
const CLIENT_LEAF: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client.example.com\n";

fn spec(key: Key, subject: &'static str, ext: String) -> Spec {
    Spec {
        key,
        subject,
        ext,
        days: 3650,
        sign_opts: &[],
    }
}

fn leaf(key: Key, lines: &str) -> Spec {
    Spec {
        key,
        subject: "/CN=Leaf/O=Kavach OpenSSL Test",
        ext: leaf_ext(lines),
        days: 365,
        sign_opts: &[],
    }
}

fn root(key: Key) -> Spec {
    spec(key, "/CN=Root/O=Kavach OpenSSL Test", root_ext(""))
}

fn inter(key: Key, extra: &str) -> Spec {
    spec(key, "/CN=Intermediate/O=Kavach OpenSSL Test", int_ext(extra))
}

fn case(name: &'static str, chain: Vec<Spec>, purpose: Use) -> Case {
    Case {
        name,
        chain,
        purpose,
        at: 60,
        server_name: None,
    }
}

/// The cases. RSA keys come from the pool; `R`/`I`/`L` stand for root, intermediate and leaf.
fn cases() -> Vec<Case> {
    use Key::*;
    use Use::*;
    let (rr, ri, rl) = (Rsa(0), Rsa(1), Rsa(2));
    let (er, ei, el) = (P256(0), P256(1), P256(2));
    let rsa3 = |l: Spec| vec![root(rr), inter(ri, ""), l];
    let ec3 = |l: Spec| vec![root(er), inter(ei, ""), l];
    let mut v = vec![
        // --- good chains ---
        case("rsa: server chain", rsa3(leaf(rl, SERVER_LEAF)), SslServer),
        case("ec: server chain", ec3(leaf(el, SERVER_LEAF)), SslServer),
        case("rsa: client chain", rsa3(leaf(rl, CLIENT_LEAF)), SslClient),
        case("ec: client chain", ec3(leaf(el, CLIENT_LEAF)), SslClient),
        case(
            "ec: leaf directly under the root",
            vec![root(er), leaf(el, SERVER_LEAF)],
            SslServer,
        ),
        case(
            "ec p-384: chain signed with SHA-384",
            vec![
                Spec {
                    sign_opts: &["-sha384"],
                    ..root(P384(0))
                },
                Spec {
                    sign_opts: &["-sha384"],
                    ..inter(P384(1), "")
                },
                Spec {
                    sign_opts: &["-sha384"],
                    ..leaf(P384(2), SERVER_LEAF)
                },
            ],
            SslServer,
        ),
        case(
            "rsa: RSASSA-PSS signatures",
            vec![
                root(rr),
                Spec {
                    sign_opts: &["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
                    ..inter(ri, "")
                },
                Spec {
                    sign_opts: &["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max"],
                    ..leaf(rl, SERVER_LEAF)
                },
            ],
            SslServer,
        ),
        case(
            "ec: mixed: EC leaf under RSA CAs",
            rsa3(leaf(el, SERVER_LEAF)),
            SslServer,
        ),
        // --- leaf: without extensions, keyUsage, extendedKeyUsage ---
        case(
            "ec: leaf without basicConstraints, keyUsage, EKU, SAN",
            ec3(leaf(el, "")),
            SslServer,
        ),
        case(
            "rsa: leaf without keyUsage",
            rsa3(leaf(
                rl,
                "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
            )),
            SslServer,
        ),
        case(
            "rsa: leaf keyUsage keyEncipherment only, as client",
            rsa3(leaf(rl, "keyUsage=critical,keyEncipherment\n")),
            SslClient,
        ),
        case(
            "rsa: leaf keyUsage keyEncipherment only, as server",
            rsa3(leaf(rl, "keyUsage=critical,keyEncipherment\n")),
            SslServer,
        ),
        case(
            "ec: leaf keyUsage keyAgreement only, as client",
            ec3(leaf(el, "keyUsage=critical,keyAgreement\n")),
            SslClient,
        ),
        case(
            "ec: leaf keyUsage dataEncipherment only, as server",
            ec3(leaf(el, "keyUsage=critical,dataEncipherment\n")),
            SslServer,
        ),
        case(
            "ec: leaf keyUsage nonRepudiation only, as client",
            ec3(leaf(el, "keyUsage=critical,nonRepudiation\n")),
            SslClient,
        ),
        case(
            "rsa: leaf keyCertSign without CA",
            rsa3(leaf(
                rl,
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyCertSign\n",
            )),
            Any,
        ),
        // --- wrong purpose ---
        case(
            "rsa: server leaf used as client",
            rsa3(leaf(rl, SERVER_LEAF)),
            SslClient,
        ),
        case("ec: client leaf used as server", ec3(leaf(el, CLIENT_LEAF)), SslServer),
        case(
            "ec: code-signing leaf as server",
            ec3(leaf(
                el,
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
            )),
            SslServer,
        ),
        case(
            "ec: code-signing leaf for purpose any",
            ec3(leaf(
                el,
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
            )),
            Any,
        ),
        case(
            "ec: leaf EKU anyExtendedKeyUsage only, as server",
            ec3(leaf(el, "extendedKeyUsage=anyExtendedKeyUsage\n")),
            SslServer,
        ),
        case(
            "ec: leaf EKU serverAuth + anyExtendedKeyUsage, as server",
            ec3(leaf(el, "extendedKeyUsage=serverAuth,anyExtendedKeyUsage\n")),
            SslServer,
        ),
        case(
            "rsa: intermediate EKU clientAuth, server leaf",
            vec![
                root(rr),
                inter(ri, "extendedKeyUsage=clientAuth\n"),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "rsa: intermediate EKU serverAuth, server leaf",
            vec![
                root(rr),
                inter(ri, "extendedKeyUsage=serverAuth\n"),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate EKU anyExtendedKeyUsage only, server leaf",
            vec![
                root(er),
                inter(ei, "extendedKeyUsage=anyExtendedKeyUsage\n"),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: root EKU serverAuth, server leaf",
            vec![
                spec(
                    er,
                    "/CN=Root/O=Kavach OpenSSL Test",
                    root_ext("extendedKeyUsage=serverAuth\n"),
                ),
                inter(ei, ""),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: CA certificate as the TLS leaf",
            ec3(leaf(
                el,
                "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\n",
            )),
            SslServer,
        ),
        // --- intermediate basicConstraints / keyUsage / identifiers ---
        case(
            "ec: CA certificate without keyUsage as the leaf, purpose any",
            ec3(leaf(el, "basicConstraints=critical,CA:TRUE\n")),
            Any,
        ),
        case(
            "ec: CA certificate with keyUsage as the leaf, purpose any",
            ec3(leaf(el, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")),
            Any,
        ),
        case(
            "rsa: intermediate without basicConstraints",
            vec![
                root(rr),
                spec(ri, "/CN=Intermediate", raw_ext("keyUsage=critical,keyCertSign\n")),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate with cA false",
            vec![
                root(er),
                spec(
                    ei,
                    "/CN=Intermediate",
                    raw_ext("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign\n"),
                ),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate basicConstraints not critical",
            vec![
                root(er),
                spec(
                    ei,
                    "/CN=Intermediate",
                    raw_ext("basicConstraints=CA:TRUE\nkeyUsage=critical,keyCertSign\n"),
                ),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate policyConstraints not critical",
            vec![
                root(er),
                inter(ei, "policyConstraints=inhibitPolicyMapping:0\n"),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "rsa: intermediate without keyUsage",
            vec![
                root(rr),
                spec(ri, "/CN=Intermediate", raw_ext("basicConstraints=critical,CA:TRUE\n")),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "rsa: root without basicConstraints",
            vec![
                spec(rr, "/CN=Root/O=Kavach OpenSSL Test", "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n".to_owned()),
                inter(ri, ""),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: root keyUsage without keyCertSign",
            vec![
                spec(
                    er,
                    "/CN=Root/O=Kavach OpenSSL Test",
                    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,cRLSign\nsubjectKeyIdentifier=hash\n".to_owned(),
                ),
                inter(ei, ""),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: root without keyUsage",
            vec![
                spec(
                    er,
                    "/CN=Root/O=Kavach OpenSSL Test",
                    "basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=hash\n".to_owned(),
                ),
                inter(ei, ""),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "rsa: intermediate keyUsage without keyCertSign",
            vec![
                root(rr),
                spec(
                    ri,
                    "/CN=Intermediate",
                    raw_ext("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,cRLSign\n"),
                ),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate without subjectKeyIdentifier (so the leaf has no AKI)",
            vec![
                root(er),
                spec(
                    ei,
                    "/CN=Intermediate",
                    // OpenSSL 3 adds a subjectKeyIdentifier unless told `none`.
                    format!(
                        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n{AKI}subjectKeyIdentifier=none\n"
                    ),
                ),
                // No keyid to name: the leaf gets no authorityKeyIdentifier either.
                Spec {
                    ext: format!("subjectKeyIdentifier=hash\nauthorityKeyIdentifier=none\n{SERVER_LEAF}"),
                    ..leaf(el, "")
                },
            ],
            SslServer,
        ),
        case(
            "ec: leaf without authorityKeyIdentifier",
            ec3(Spec {
                ext: format!("subjectKeyIdentifier=hash\nauthorityKeyIdentifier=none\n{SERVER_LEAF}"),
                ..leaf(el, "")
            }),
            SslServer,
        ),
        case(
            "rsa: leaf with an unknown critical extension",
            rsa3(leaf(
                rl,
                &format!("{SERVER_LEAF}1.3.6.1.4.1.55555.1=critical,ASN1:NULL\n"),
            )),
            SslServer,
        ),
        // --- pathLenConstraint ---
        case(
            "rsa: root pathlen 0 above an intermediate",
            vec![
                spec(
                    rr,
                    "/CN=Root/O=Kavach OpenSSL Test",
                    root_ext("").replace("CA:TRUE", "CA:TRUE,pathlen:0"),
                ),
                inter(ri, ""),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate pathlen 0 above the leaf",
            vec![
                root(er),
                spec(
                    ei,
                    "/CN=Intermediate",
                    int_ext("").replace("CA:TRUE", "CA:TRUE,pathlen:0"),
                ),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: intermediate pathlen 0 above a second intermediate",
            vec![
                root(er),
                spec(
                    ei,
                    "/CN=Intermediate",
                    int_ext("").replace("CA:TRUE", "CA:TRUE,pathlen:0"),
                ),
                spec(P256(3), "/CN=Intermediate 2", int_ext("")),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "rsa: root pathlen 1 above two intermediates",
            vec![
                spec(
                    rr,
                    "/CN=Root/O=Kavach OpenSSL Test",
                    root_ext("").replace("CA:TRUE", "CA:TRUE,pathlen:1"),
                ),
                inter(ri, ""),
                spec(Rsa(3), "/CN=Intermediate 2", int_ext("")),
                leaf(rl, SERVER_LEAF),
            ],
            SslServer,
        ),
        // --- nameConstraints ---
        case(
            "ec: permitted DNS subtree, name inside",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, name outside",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.org\n"),
                leaf(el, "subjectAltName=DNS:host.example.com\n"),
            ],
            SslServer,
        ),
        case(
            "rsa: excluded DNS subtree, name inside it",
            vec![
                root(rr),
                inter(ri, "nameConstraints=critical,excluded;DNS:bad.example.com\n"),
                leaf(rl, "subjectAltName=DNS:www.bad.example.com\n"),
            ],
            SslServer,
        ),
        case(
            "rsa: permitted IP subtree, address inside",
            vec![
                root(rr),
                inter(ri, "nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0\n"),
                leaf(rl, "subjectAltName=IP:10.1.2.3\n"),
            ],
            SslServer,
        ),
        case(
            "rsa: permitted IP subtree, address outside",
            vec![
                root(rr),
                inter(ri, "nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0\n"),
                leaf(rl, "subjectAltName=IP:192.168.1.1\n"),
            ],
            SslServer,
        ),
        case(
            "ec: permitted directoryName subtree, subject outside",
            vec![
                root(er),
                inter(
                    ei,
                    "nameConstraints=critical,permitted;dirName:dir_sect\n[dir_sect]\nO=Somewhere Else\n",
                ),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, no SAN, subject CN outside it",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=host.example.org",
                    ..leaf(el, "basicConstraints=critical,CA:FALSE\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, no SAN, subject CN inside it",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=host.example.com",
                    ..leaf(el, "basicConstraints=critical,CA:FALSE\n")
                },
            ],
            SslServer,
        ),
        case(
            "rsa: excluded DNS subtree, IP SAN only, subject CN inside it",
            vec![
                root(rr),
                inter(ri, "nameConstraints=critical,excluded;DNS:bad.example.com\n"),
                Spec {
                    subject: "/CN=www.bad.example.com",
                    ..leaf(rl, "subjectAltName=IP:10.1.2.3\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, IP SAN, IP-literal subject CN",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=127.0.0.1",
                    ..leaf(el, "subjectAltName=IP:127.0.0.1\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, no SAN, IP-literal subject CN",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=10.1.2.3",
                    ..leaf(el, "basicConstraints=critical,CA:FALSE\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, DNS SAN inside, subject CN outside it",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=host.example.org",
                    ..leaf(el, "subjectAltName=DNS:host.example.com\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: permitted DNS subtree, no SAN, wildcard subject CN outside it",
            vec![
                root(er),
                inter(ei, "nameConstraints=critical,permitted;DNS:example.com\n"),
                Spec {
                    subject: "/CN=*.example.org",
                    ..leaf(el, "basicConstraints=critical,CA:FALSE\n")
                },
            ],
            SslServer,
        ),
        case(
            "ec: non-critical nameConstraints, name inside",
            vec![
                root(er),
                inter(ei, "nameConstraints=permitted;DNS:example.com\n"),
                leaf(el, SERVER_LEAF),
            ],
            SslServer,
        ),
        // --- validity ---
        Case {
            at: 400 * DAY as i64,
            ..case("ec: leaf expired", ec3(leaf(el, SERVER_LEAF)), SslServer)
        },
        Case {
            at: 2 * DAY as i64,
            ..case(
                "ec: root expired",
                vec![Spec { days: 1, ..root(er) }, inter(ei, ""), leaf(el, SERVER_LEAF)],
                SslServer,
            )
        },
        Case {
            at: -(DAY as i64),
            ..case("rsa: chain not yet valid", rsa3(leaf(rl, SERVER_LEAF)), SslServer)
        },
        Case {
            at: 400 * DAY as i64,
            ..case(
                "ec: intermediate expired",
                vec![
                    root(er),
                    Spec {
                        days: 300,
                        ..inter(ei, "")
                    },
                    Spec {
                        days: 3000,
                        ..leaf(el, SERVER_LEAF)
                    },
                ],
                SslServer,
            )
        },
        // --- server names ---
        Case {
            server_name: Some("host.example.com"),
            ..case("ec: SAN DNS matches the name", ec3(leaf(el, SERVER_LEAF)), SslServer)
        },
        Case {
            server_name: Some("other.example.com"),
            ..case(
                "ec: SAN DNS does not match the name",
                ec3(leaf(el, SERVER_LEAF)),
                SslServer,
            )
        },
        Case {
            server_name: Some("10.1.2.3"),
            ..case(
                "rsa: SAN IP matches the address",
                rsa3(leaf(rl, SERVER_LEAF)),
                SslServer,
            )
        },
        Case {
            server_name: Some("www.example.com"),
            ..case(
                "rsa: wildcard SAN covers one label",
                rsa3(leaf(rl, "subjectAltName=DNS:*.example.com\n")),
                SslServer,
            )
        },
        Case {
            server_name: Some("a.b.example.com"),
            ..case(
                "rsa: wildcard SAN does not cover two labels",
                rsa3(leaf(rl, "subjectAltName=DNS:*.example.com\n")),
                SslServer,
            )
        },
        Case {
            server_name: Some("host.example.com"),
            ..case(
                "ec: name only in the subject CN",
                ec3(Spec {
                    subject: "/CN=host.example.com",
                    ..leaf(el, "")
                }),
                SslServer,
            )
        },
        // --- keys ---
        case("rsa: leaf key RSA-1024", rsa3(leaf(Rsa1024, SERVER_LEAF)), SslServer),
    ];
    // A v1 leaf: `openssl x509 -req` without -extfile writes version 1.
    v.push(case(
        "ec: X.509 v1 leaf",
        ec3(Spec {
            ext: String::new(),
            ..leaf(el, "")
        }),
        SslServer,
    ));
    v
}

// ----- making the certificates ------------------------------------------------------------

struct Maker {
    openssl: PathBuf,
    dir: tempfile::TempDir,
    counter: std::cell::Cell<usize>,
}

impl Maker {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.openssl)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn must(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn fresh(&self, stem: &str) -> String {
        let n = self.counter.get();
        self.counter.set(n + 1);
        format!("{stem}-{n}")
    }

    /// The key file for `key`, made on first use.
    fn key(&self, key: Key) -> PathBuf {
        let name = match key {
            Key::Rsa(i) => format!("rsa{i}.key"),
            Key::P256(i) => format!("p256-{i}.key"),
            Key::P384(i) => format!("p384-{i}.key"),
            Key::Rsa1024 => "rsa1024.key".to_owned(),
        };
        let path = self.path(&name);
        if !path.exists() {
            match key {
                Key::Rsa(i) => {
                    let pem = rsa_pool_key(i).unwrap().to_pkcs8_pem().unwrap();
                    std::fs::write(&path, pem.as_bytes()).unwrap();
                }
                Key::P256(_) => self.must(&[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &name,
                ]),
                Key::P384(_) => self.must(&[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-384",
                    "-out",
                    &name,
                ]),
                Key::Rsa1024 => self.must(&[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:1024",
                    "-out",
                    &name,
                ]),
            }
        }
        path
    }

    /// A self-signed root (`openssl req -x509`).
    fn root(&self, s: &Spec) -> (PathBuf, PathBuf) {
        let key = self.key(s.key);
        let stem = self.fresh("root");
        let cnf = format!("{stem}.cnf");
        std::fs::write(
            self.path(&cnf),
            format!(
                "[req]\ndistinguished_name=dn\nx509_extensions=ext\n[dn]\n[ext]\n{}",
                s.ext
            ),
        )
        .unwrap();
        let out = format!("{stem}.pem");
        let days = s.days.to_string();
        let mut args = vec![
            "req",
            "-x509",
            "-new",
            "-key",
            key.to_str().unwrap(),
            "-subj",
            s.subject,
            "-days",
            &days,
            "-config",
            &cnf,
            "-out",
            &out,
        ];
        args.extend_from_slice(s.sign_opts);
        self.must(&args);
        (self.path(&out), key)
    }

    /// A certificate issued by `issuer` (`openssl req -new` then `openssl x509 -req`).
    fn issue(&self, s: &Spec, issuer: &(PathBuf, PathBuf)) -> (PathBuf, PathBuf) {
        let key = self.key(s.key);
        let stem = self.fresh("cert");
        let cnf = format!("{stem}.cnf");
        std::fs::write(self.path(&cnf), "[req]\ndistinguished_name=dn\n[dn]\n").unwrap();
        let csr = format!("{stem}.csr");
        self.must(&[
            "req",
            "-new",
            "-key",
            key.to_str().unwrap(),
            "-subj",
            s.subject,
            "-config",
            &cnf,
            "-out",
            &csr,
        ]);
        let out = format!("{stem}.pem");
        let days = s.days.to_string();
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            issuer.0.to_str().unwrap(),
            "-CAkey",
            issuer.1.to_str().unwrap(),
            "-days",
            &days,
            "-out",
            &out,
        ];
        let ext = format!("{stem}.ext");
        if !s.ext.is_empty() {
            std::fs::write(self.path(&ext), format!("[ext]\n{}", s.ext)).unwrap();
            args.extend_from_slice(&["-extfile", &ext, "-extensions", "ext"]);
        }
        args.extend_from_slice(s.sign_opts);
        self.must(&args);
        (self.path(&out), key)
    }
}

/// `openssl verify`'s verdict: `Ok` or the first error line.
fn openssl_verdict(
    maker: &Maker,
    c: &Case,
    root: &Path,
    untrusted: Option<&Path>,
    leaf: &Path,
    at: u64,
) -> Result<(), String> {
    let at = at.to_string();
    let mut args: Vec<&str> = vec![
        "verify",
        "-x509_strict",
        "-purpose",
        c.purpose.openssl(),
        "-attime",
        &at,
        "-CAfile",
        root.to_str().unwrap(),
    ];
    if let Some(u) = untrusted {
        args.extend_from_slice(&["-untrusted", u.to_str().unwrap()]);
    }
    if let Some(name) = c.server_name {
        if name.parse::<std::net::IpAddr>().is_ok() {
            args.extend_from_slice(&["-verify_ip", name]);
        } else {
            args.extend_from_slice(&["-verify_hostname", name]);
        }
    }
    args.push(leaf.to_str().unwrap());
    let out = maker.run(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(())
    } else {
        let line = text
            .lines()
            .find(|l| l.starts_with("error "))
            .unwrap_or(text.lines().next().unwrap_or("failed"));
        // "error 26 at 1 depth lookup: unsuitable certificate purpose" -> the message part.
        Err(line.split_once("lookup: ").map_or(line, |(_, m)| m).to_owned())
    }
}

fn kavach_verdict(c: &Case, root: &Path, intermediates: &[PathBuf], leaf: &Path, at: SystemTime) -> Result<(), Error> {
    let read = |p: &Path| Certificate::from_pem(&std::fs::read_to_string(p).unwrap());
    let domain = TrustDomain::new("OPENSSL", vec![read(root)?])?;
    let inter: Vec<Certificate> = intermediates.iter().map(|p| read(p)).collect::<Result<_, _>>()?;
    let leaf = read(leaf)?;
    let name = c.server_name.map(|n| ServerName::parse(n).unwrap());
    let mut options = ValidationOptions::new(c.purpose.kavach(), at);
    if let Some(n) = &name {
        options = options.with_server_name(n);
    }
    Validator::new().verify(&domain, &leaf, &inter, &options).map(|_| ())
}

/// rustls-webpki's verdict on the same files (TLS purposes only; `None` for `any`).
fn webpki_verdict(
    c: &Case,
    root: &Path,
    intermediates: &[PathBuf],
    leaf: &Path,
    at: u64,
) -> Option<Result<(), String>> {
    let usage = match c.purpose {
        Use::SslServer => webpki::KeyUsage::server_auth(),
        Use::SslClient => webpki::KeyUsage::client_auth(),
        Use::Any => return None,
    };
    let der = |p: &Path| {
        Certificate::from_pem(&std::fs::read_to_string(p).unwrap())
            .map(|c| c.der().to_vec())
            .unwrap_or_default()
    };
    let label = |e: webpki::Error| {
        format!("{e:?}")
            .split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let root_der = CertificateDer::from(der(root));
    let leaf_der = CertificateDer::from(der(leaf));
    let inter: Vec<CertificateDer<'_>> = intermediates.iter().map(|p| CertificateDer::from(der(p))).collect();
    let verdict = (|| {
        let anchor = webpki::anchor_from_trusted_cert(&root_der).map_err(label)?;
        let ee = webpki::EndEntityCert::try_from(&leaf_der).map_err(label)?;
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &[anchor],
            &inter,
            UnixTime::since_unix_epoch(Duration::from_secs(at)),
            usage,
            None,
            None,
        )
        .map_err(label)?;
        if let Some(name) = c.server_name {
            let name = rustls_pki_types::ServerName::try_from(name).unwrap();
            ee.verify_is_valid_for_subject_name(&name).map_err(label)?;
        }
        Ok(())
    })();
    Some(verdict)
}

// ----- where kavach is stricter (STRICTER.md) ---------------------------------------------

/// A documented kavach rule OpenSSL does not apply, and how to recognise kavach's error for it.
struct Rule {
    id: &'static str,
    matches: fn(&Error) -> bool,
}

const STRICTER: &[Rule] = &[
    Rule {
        id: "S4 anyExtendedKeyUsage in a TLS end entity",
        matches: |e| matches!(e, Error::PurposeMismatch { reason, .. } if *reason == "anyExtendedKeyUsage in a TLS end-entity certificate"),
    },
    Rule {
        id: "S5 TLS trust anchor with extendedKeyUsage",
        matches: |e| matches!(e, Error::PurposeMismatch { reason, .. } if *reason == "a TLS trust anchor with extendedKeyUsage"),
    },
    Rule {
        id: "S10 end-entity key refused by the key policy",
        matches: |e| matches!(e, Error::KeyPolicy { .. }),
    },
    Rule {
        id: "S11 CA certificate as a TLS end entity",
        matches: |e| matches!(e, Error::CaUsedAsEndEntity { .. }),
    },
    Rule {
        id: "S12 server name from subjectAltName only, never the subject CN",
        matches: |e| matches!(e, Error::NameMismatch { .. }),
    },
    Rule {
        id: "S13 non-critical nameConstraints",
        matches: |e| {
            matches!(
                e,
                Error::ProfileViolation {
                    reason: ProfileRule::NonCriticalNameConstraints,
                    ..
                }
            )
        },
    },
    Rule {
        id: "S14 X.509 v3 only",
        matches: |e| {
            matches!(
                e,
                Error::ProfileViolation {
                    reason: ProfileRule::NotV3,
                    ..
                }
            )
        },
    },
    Rule {
        // OpenSSL's cn2dnsid takes no '*': kavach holds a wildcard CN to the constraints too.
        id: "S16 DNS name constraints on the subject CN",
        matches: |e| matches!(e, Error::NameConstraintViolation { name, .. } if name.starts_with("DNS *.") && name.ends_with(" (subject CN)")),
    },
];

/// Cases where kavach accepts what OpenSSL refuses, each under a documented STRICTER.md rule
/// (`L…`: where RFC 5280 or RFC 6125 says so): (rule, case name).
const LENIENT: &[(&str, &str)] = &[
    (
        "L3 criticality of basicConstraints and policyConstraints",
        "ec: intermediate basicConstraints not critical",
    ),
    (
        "L2 an IP-literal subject CN is not a host name",
        "ec: permitted DNS subtree, IP SAN, IP-literal subject CN",
    ),
    (
        "L2 an IP-literal subject CN is not a host name",
        "ec: permitted DNS subtree, no SAN, IP-literal subject CN",
    ),
];

#[test]
fn openssl_made_certificates_are_judged_as_openssl_verify_judges_them() {
    let Some(openssl) = kavach_testkit::program("openssl_made_certificates", "openssl") else {
        return;
    };
    let maker = Maker {
        openssl,
        dir: tempfile::tempdir().unwrap(),
        counter: std::cell::Cell::new(0),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut table = String::new();
    let mut failures = Vec::new();
    let (mut agree_ok, mut agree_refused, mut stricter, mut lenient) = (0, 0, 0, 0);
    let cases = cases();
    for c in &cases {
        // Build the chain.
        let root = maker.root(&c.chain[0]);
        let mut made = vec![root.clone()];
        for s in &c.chain[1..] {
            let issuer = made.last().unwrap().clone();
            made.push(maker.issue(s, &issuer));
        }
        let leaf = made.last().unwrap().0.clone();
        let intermediates: Vec<PathBuf> = made[1..made.len() - 1].iter().map(|(p, _)| p.clone()).collect();
        let untrusted = if intermediates.is_empty() {
            None
        } else {
            let bundle = maker.path(&format!("{}.untrusted.pem", maker.fresh("bundle")));
            let mut all = String::new();
            for p in &intermediates {
                all.push_str(&std::fs::read_to_string(p).unwrap());
            }
            std::fs::write(&bundle, all).unwrap();
            Some(bundle)
        };
        let at = now.checked_add_signed(c.at).unwrap();

        let theirs = openssl_verdict(&maker, c, &root.0, untrusted.as_deref(), &leaf, at);
        let ours = kavach_verdict(c, &root.0, &intermediates, &leaf, UNIX_EPOCH + Duration::from_secs(at));
        let webpki = webpki_verdict(c, &root.0, &intermediates, &leaf, at);
        // An unsupported-algorithm error is webpki not deciding (STRICTER.md, "Algorithms").
        let webpki_decided_no = matches!(&webpki, Some(Err(e)) if !e.starts_with("UnsupportedSignatureAlgorithm"));
        if ours.is_ok() && webpki_decided_no {
            failures.push(format!("{}: kavach ACCEPTS what webpki refuses ({webpki:?})", c.name));
        }
        let webpki_text = match &webpki {
            None => "n/a".to_owned(),
            Some(Ok(())) => "ok".to_owned(),
            Some(Err(e)) => e.clone(),
        };

        let relation = match (&ours, &theirs) {
            (Ok(()), Ok(())) => {
                agree_ok += 1;
                "agree: valid".to_owned()
            }
            (Err(_), Err(_)) => {
                agree_refused += 1;
                "agree: refused".to_owned()
            }
            (Err(e), Ok(())) => match STRICTER.iter().find(|r| (r.matches)(e)) {
                Some(rule) => {
                    stricter += 1;
                    format!("kavach stricter: {}", rule.id)
                }
                None => {
                    failures.push(format!(
                        "{}: kavach refuses ({e}) what OpenSSL accepts, under no documented rule",
                        c.name
                    ));
                    "DISAGREE (kavach refuses, no rule)".to_owned()
                }
            },
            (Ok(()), Err(_)) if LENIENT.iter().any(|(_, name)| *name == c.name) => {
                lenient += 1;
                let rule = LENIENT.iter().find(|(_, name)| *name == c.name).map_or("", |(r, _)| r);
                format!("kavach accepts: {rule}")
            }
            (Ok(()), Err(o)) => {
                failures.push(format!(
                    "{}: kavach ACCEPTS what `openssl verify -x509_strict` refuses ({o})",
                    c.name
                ));
                "DISAGREE (kavach accepts)".to_owned()
            }
        };
        let ours_text = match &ours {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        let theirs_text = match &theirs {
            Ok(()) => "OK".to_owned(),
            Err(m) => m.clone(),
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} |",
            c.name,
            c.purpose.openssl(),
            theirs_text,
            ours_text,
            relation,
            webpki_text
        );
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nOpenSSL-made certificates: {} cases; agree valid {agree_ok}, agree refused {agree_refused}, kavach stricter {stricter}, kavach accepts (L rules) {lenient}, disagreements {}",
        cases.len(),
        failures.len()
    );
    let _ = writeln!(
        err,
        "| case | purpose | openssl verify -x509_strict | kavach | relation | rustls-webpki (reference) |"
    );
    let _ = writeln!(err, "|---|---|---|---|---|---|");
    let _ = write!(err, "{table}");
    drop(err);
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        agree_ok >= 10 && agree_refused >= 10,
        "the cases must exercise both verdicts"
    );
}

/// Every rule of the allow-list is documented in STRICTER.md under its id.
#[test]
fn every_openssl_stricter_rule_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/STRICTER.md")).unwrap();
    let lenient = LENIENT.iter().map(|(rule, _)| *rule);
    for rule in STRICTER.iter().map(|r| r.id).chain(lenient) {
        let (id, title) = rule.split_once(' ').unwrap();
        assert!(
            doc.contains(&format!("### {id}: {title}")),
            "STRICTER.md lacks the heading `### {id}: {title}`"
        );
    }
}
