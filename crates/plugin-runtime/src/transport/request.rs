//! The request the server forwards to ServeHTTP, rebuilt as an `http::Request` — the same
//! steps for every transport; only how the fields arrive differs.

use crate::host::{HttpBody, HttpRequest};

/// `headers` yields each header name with its values; `host` is Go's separate `Host` field.
pub fn forwarded_request<'a>(
    method: &str,
    url: &str,
    (proto_major, proto_minor): (i64, i64),
    headers: impl IntoIterator<Item = (&'a str, &'a [String])>,
    host: &str,
    body: HttpBody,
) -> Result<HttpRequest, String> {
    // Mattermost strips `/plugins/<id>` (and `/metrics` on its metrics listener) from the
    // path, so a request for exactly that prefix arrives with an empty path ("" or "?a=b"):
    // it is the plugin's root.
    let rooted;
    let url = if url.is_empty() || url.starts_with('?') {
        rooted = format!("/{url}");
        rooted.as_str()
    } else {
        url
    };
    let uri: http::Uri = url.parse().map_err(|e| format!("url {url:?}: {e}"))?;
    // The server forwards a relative URL; an absolute one keeps only what routing needs.
    let uri = match uri.path_and_query() {
        Some(pq) if uri.scheme().is_some() => pq.as_str().parse().unwrap_or(uri),
        _ => uri,
    };
    let method = http::Method::from_bytes(method.as_bytes()).map_err(|_| format!("method {method:?}"))?;
    let version = match (proto_major, proto_minor) {
        (2, _) => http::Version::HTTP_2,
        (1, 0) => http::Version::HTTP_10,
        _ => http::Version::HTTP_11,
    };
    let mut builder = http::Request::builder().method(method).uri(uri).version(version);
    if let Some(map) = builder.headers_mut() {
        for (name, values) in headers {
            let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            for v in values {
                if let Ok(v) = http::HeaderValue::from_str(v) {
                    map.append(name.clone(), v);
                }
            }
        }
        // Go moves Host out of the header map into its own field.
        if !host.is_empty()
            && !map.contains_key(http::header::HOST)
            && let Ok(v) = http::HeaderValue::from_str(host)
        {
            map.insert(http::header::HOST, v);
        }
    }
    builder.body(body).map_err(|e| e.to_string())
}
