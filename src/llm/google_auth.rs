//! Google service-account credentials for Vertex AI: the key file's private key signs a short
//! JWT (RS256), Google's token endpoint trades it for an OAuth access token, and the token is
//! reused until shortly before it expires. The private key never leaves the plugin; only the
//! signed assertion goes to the token endpoint named in the key file.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rustls::SignatureScheme;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::SigningKey;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ErrorClass, LlmError};
use crate::outbound::{OutboundClient, Trust};

/// The scope Vertex AI calls need.
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Google caps an assertion's lifetime at one hour.
const ASSERTION_LIFETIME_SECS: u64 = 3600;
/// A token this close to its expiry is renewed first, so a long answer never starts with a
/// token that dies mid-request.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the Vertex AI credentials are not a service-account JSON key: {0}")]
    NotJson(String),
    #[error("the service-account key has no {0}")]
    Missing(&'static str),
    #[error("the service-account key's private key is not a PKCS#8 RSA key in PEM")]
    BadPrivateKey,
    #[error("the service-account key's token_uri must be https (or http on a loopback address)")]
    BadTokenUri,
}

impl From<KeyError> for LlmError {
    fn from(e: KeyError) -> Self {
        LlmError::new(ErrorClass::Authentication, e.to_string())
    }
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(default)]
    client_email: String,
    #[serde(default)]
    private_key: String,
    #[serde(default)]
    private_key_id: String,
    #[serde(default)]
    token_uri: String,
}

/// A parsed service-account key, ready to sign. Its Debug never shows the key.
pub struct ServiceAccount {
    /// Which key this is, for sharing its tokens (a hash of the key file, never the key).
    fingerprint: [u8; 32],
    client_email: String,
    key_id: String,
    token_uri: String,
    signer: Arc<dyn SigningKey>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    pub fn parse(json: &str) -> Result<Self, KeyError> {
        // serde_json's message names the position, never the content.
        let k: KeyFile = serde_json::from_str(json.trim()).map_err(|e| KeyError::NotJson(e.to_string()))?;
        if k.client_email.is_empty() {
            return Err(KeyError::Missing("client_email"));
        }
        if k.private_key.is_empty() {
            return Err(KeyError::Missing("private_key"));
        }
        let der = pem_body(&k.private_key).ok_or(KeyError::BadPrivateKey)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der));
        let signer =
            rustls::crypto::aws_lc_rs::sign::any_supported_type(&key).map_err(|_| KeyError::BadPrivateKey)?;
        if signer
            .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
            .is_none()
        {
            return Err(KeyError::BadPrivateKey);
        }
        let token_uri = if k.token_uri.trim().is_empty() {
            DEFAULT_TOKEN_URI.to_owned()
        } else {
            k.token_uri.trim().to_owned()
        };
        if !token_uri_allowed(&token_uri) {
            return Err(KeyError::BadTokenUri);
        }
        Ok(ServiceAccount {
            fingerprint: Sha256::digest(json.trim().as_bytes()).into(),
            client_email: k.client_email,
            key_id: k.private_key_id,
            token_uri,
            signer,
        })
    }

    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The signed assertion (`header.claims.signature`) issued at `now` (Unix seconds).
    pub fn assertion(&self, now: u64) -> Result<String, LlmError> {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if !self.key_id.is_empty() {
            header["kid"] = json!(self.key_id);
        }
        let claims = json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let failed = || {
            LlmError::new(
                ErrorClass::Authentication,
                "signing the service-account assertion failed",
            )
        };
        let signer = self
            .signer
            .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
            .ok_or_else(failed)?;
        let signature = signer.sign(signing_input.as_bytes()).map_err(|_| failed())?;
        Ok(format!("{signing_input}.{}", b64(&signature)))
    }
}

/// The DER inside a PEM block (the key file holds "-----BEGIN PRIVATE KEY-----").
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Google's endpoints are https; plain http only for a test endpoint on this machine.
fn token_uri_allowed(uri: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(uri) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost")
                || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

struct Cached {
    token: String,
    renew_at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// The token of a key file, shared process-wide: models are built per answer, and a token per
/// answer would cost a round trip each time and hit the token endpoint's quota. Bounded by the
/// configured keys; cleared wholesale if keys keep changing.
fn shared_slot(fingerprint: [u8; 32]) -> Slot {
    const MAX_KEYS: usize = 64;
    static SLOTS: OnceLock<std::sync::Mutex<HashMap<[u8; 32], Slot>>> = OnceLock::new();
    let mut slots = SLOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if slots.len() >= MAX_KEYS && !slots.contains_key(&fingerprint) {
        slots.clear();
    }
    slots.entry(fingerprint).or_default().clone()
}

/// Access tokens for one service account, fetched on first use and shared by every model built
/// for the same key; one refresh at a time.
pub struct TokenSource {
    account: ServiceAccount,
    http: OutboundClient,
    cached: Slot,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

impl TokenSource {
    pub fn new(account: ServiceAccount, http: OutboundClient) -> Self {
        TokenSource {
            cached: shared_slot(account.fingerprint),
            account,
            http,
        }
    }

    /// A valid access token: the cached one, or a fresh one.
    pub async fn token(&self) -> Result<String, LlmError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `token` after the API refused it, so the next call fetches another (a token
    /// already replaced by a concurrent refresh stays).
    pub async fn invalidate(&self, token: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == token) {
            *cached = None;
        }
    }

    async fn fetch(&self) -> Result<Cached, LlmError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let assertion = self.account.assertion(now)?;
        let form = format!(
            "grant_type={}&assertion={}",
            crate::outbound::encode_component(GRANT_TYPE),
            crate::outbound::encode_component(&assertion)
        );
        let req = self
            .http
            .post(Trust::Configured, &self.account.token_uri)
            .map_err(|e| LlmError::from(&e))?
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .timeout(Duration::from_secs(30));
        let resp = req.send().await.map_err(|e| LlmError::from(&e))?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            let text = crate::outbound::error_text(resp).await;
            // Any refusal of the assertion is a credentials problem for the admin, whatever
            // status the endpoint chose (Google answers 400 invalid_grant).
            let mut e = LlmError::from_status(status, &text, None);
            if matches!(status, 400 | 401 | 403) {
                e.class = ErrorClass::Authentication;
            }
            e.detail = format!("the token endpoint refused the service account: {}", e.detail);
            return Err(e);
        }
        let body: TokenResponse = crate::outbound::json_capped(resp, 64 * 1024)
            .await
            .map_err(|e| LlmError::new(ErrorClass::Malformed, e.to_string()))?;
        if body.access_token.is_empty() {
            return Err(LlmError::new(
                ErrorClass::Malformed,
                "the token endpoint returned no access_token",
            ));
        }
        let lifetime = Duration::from_secs(if body.expires_in == 0 {
            3600
        } else {
            body.expires_in
        });
        Ok(Cached {
            token: body.access_token,
            renew_at: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_endpoints_are_https_or_loopback() {
        assert!(token_uri_allowed("https://oauth2.googleapis.com/token"));
        assert!(token_uri_allowed("http://127.0.0.1:9/token"));
        assert!(token_uri_allowed("http://[::1]:9/token"));
        assert!(!token_uri_allowed("http://example.com/token"));
        assert!(!token_uri_allowed("http://10.0.0.1/token"));
        assert!(!token_uri_allowed("file:///etc/passwd"));
    }

    #[test]
    fn bad_keys_say_what_is_wrong_without_the_key() {
        let e = ServiceAccount::parse("not json").unwrap_err();
        assert!(matches!(e, KeyError::NotJson(_)));
        let e = ServiceAccount::parse(r#"{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----"}"#)
            .unwrap_err();
        assert!(matches!(e, KeyError::BadPrivateKey));
        assert!(!e.to_string().contains("c2VjcmV0"));
        let e = ServiceAccount::parse(r#"{"private_key":"x"}"#).unwrap_err();
        assert!(matches!(e, KeyError::Missing("client_email")));
    }
}
