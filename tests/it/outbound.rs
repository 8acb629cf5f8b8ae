//! The outbound client against real local HTTP servers: allowlist, address guard (literal IPs,
//! names, resolved addresses, redirect hops), timeouts, and error messages.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use mattermost_ai::outbound::{
    self, AddressKind, HostAllowlist, OutboundClient, OutboundError, OutboundSettings, TestingOverrides,
    Trust, classify_ip, is_forbidden_name,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_stream::StreamExt;

// ---------------------------------------------------------------------------------------------
// Local servers

#[derive(Clone, Default)]
struct Hits {
    count: Arc<AtomicUsize>,
    authorization: Arc<std::sync::Mutex<Vec<Option<String>>>>,
    api_keys: Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

impl Hits {
    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// `/` answers "hello", `/to` redirects to `target`, `/loop` redirects to itself. Every request
/// is counted and its Authorization header recorded.
async fn serve(ip: IpAddr, target: Option<String>) -> (SocketAddr, Hits) {
    let hits = Hits::default();
    let record = {
        let hits = hits.clone();
        move |headers: &HeaderMap| {
            hits.count.fetch_add(1, Ordering::SeqCst);
            let auth = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            hits.authorization.lock().unwrap().push(auth);
            let key = headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            hits.api_keys.lock().unwrap().push(key);
        }
    };
    let (r1, r2, r3) = (record.clone(), record.clone(), record);
    let target = target.unwrap_or_default();
    let app = Router::new()
        .route(
            "/",
            get(move |h: HeaderMap| async move {
                r1(&h);
                "hello"
            }),
        )
        .route(
            "/to",
            get(move |h: HeaderMap| async move {
                r2(&h);
                (StatusCode::FOUND, [(header::LOCATION, target)])
            }),
        )
        .route(
            "/loop",
            get(move |h: HeaderMap| async move {
                r3(&h);
                (StatusCode::FOUND, [(header::LOCATION, "/loop")])
            }),
        );
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, hits)
}

async fn serve_local() -> (SocketAddr, Hits) {
    serve(IpAddr::V4(Ipv4Addr::LOCALHOST), None).await
}

/// Accepts connections, reads the request, and then says nothing (or only `prefix`) forever.
async fn serve_silent(prefix: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(prefix).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                drop(sock);
            });
        }
    });
    addr
}

fn client(allowlist: &str) -> OutboundClient {
    OutboundClient::new(OutboundSettings {
        allowlist: HostAllowlist::parse(allowlist).unwrap(),
        ..OutboundSettings::default()
    })
    .unwrap()
}

/// Local servers on 127.0.0.2 play "public" origins: the guard lets that one address through,
/// and `names` resolve (inside the untrusted resolver only) to the given addresses.
fn untrusted_client(allowlist: &str, names: &[(&str, IpAddr)]) -> OutboundClient {
    OutboundClient::new(OutboundSettings {
        allowlist: HostAllowlist::parse(allowlist).unwrap(),
        testing: TestingOverrides {
            guard_exempt: vec![PUBLIC_STANDIN],
            hosts: names.iter().map(|(n, ip)| (n.to_string(), vec![*ip])).collect(),
        },
        ..OutboundSettings::default()
    })
    .unwrap()
}

const PUBLIC_STANDIN: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn get_text(client: &OutboundClient, trust: Trust, url: &str) -> Result<String, OutboundError> {
    let response = client.get(trust, url)?.send().await?;
    Ok(response.text().await?)
}

// ---------------------------------------------------------------------------------------------
// Allowlist parsing

#[test]
fn allowlist_matrix() {
    let list =
        HostAllowlist::parse(" api.openai.com ,*.Example.COM,, 10.0.0.5 ,[::1], llm_internal.corp,").unwrap();
    let cases = [
        ("api.openai.com", true),
        ("API.OPENAI.COM", true),
        ("api.openai.com.", true),
        ("openai.com", false),
        ("x.api.openai.com", false),
        ("a.example.com", true),
        ("a.b.example.com", true),
        ("example.com", false), // the wildcard covers subdomains only, as in the Go plugin
        ("badexample.com", false),
        ("example.com.evil.net", false),
        ("10.0.0.5", true),
        ("10.0.0.6", false),
        ("::1", true),
        ("[::1]", true),
        ("llm_internal.corp", true),
        ("", false),
    ];
    for (host, expected) in cases {
        assert_eq!(list.allows(host), expected, "{host}");
    }
    assert_eq!(list.entries().len(), 5);
    assert!(!list.allows_everything());
}

#[test]
fn empty_and_star_allow_everything() {
    for csv in ["", "   ", ",", " , ,", "*", "api.openai.com, *"] {
        let list = HostAllowlist::parse(csv).unwrap();
        assert!(list.allows_everything(), "{csv:?}");
        assert!(list.allows("anything.example"), "{csv:?}");
        assert!(list.allows("127.0.0.1"), "{csv:?}");
    }
}

#[test]
fn wildcards_never_match_ip_literals() {
    let list = HostAllowlist::parse("*.com").unwrap();
    assert!(list.allows("foo.com"));
    assert!(!list.allows("1.2.3.4"));
    assert!(HostAllowlist::parse("*.0.0.1").is_err());
    assert!(HostAllowlist::parse("10.0.0").is_err());
}

#[test]
fn invalid_entries_are_all_reported() {
    let bad = [
        "https://api.openai.com",
        "api.openai.com/v1",
        "api.openai.com:443",
        "api openai.com",
        "a.*.example.com",
        "*example.com",
        "**.example.com",
        "*.",
        "exa$mple.com",
        "-bad.example.com",
        "a..b",
        "bücher.de",
    ];
    let csv = format!("good.example.com, {}", bad.join(","));
    let err = HostAllowlist::parse(&csv).unwrap_err();
    let reported: Vec<&str> = err.invalid.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(reported, bad);
    let message = err.to_string();
    assert!(
        message.starts_with("Allowed Upstream Hostnames has invalid entries: "),
        "{message}"
    );
    assert!(
        message.contains("\"https://api.openai.com\" (a host name, not a URL"),
        "{message}"
    );
    assert!(
        message.contains("\"api.openai.com:443\" (ports are not part"),
        "{message}"
    );
    for entry in ["a.*.example.com", "*example.com", "**.example.com"] {
        assert!(message.contains(entry), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// Address classification

#[test]
fn ipv4_classification() {
    use AddressKind::*;
    let cases: &[(&str, Option<AddressKind>)] = &[
        ("0.0.0.0", Some(Unspecified)),
        ("0.1.2.3", Some(Unspecified)),
        ("127.0.0.1", Some(Loopback)),
        ("127.255.255.254", Some(Loopback)),
        ("10.0.0.1", Some(Private)),
        ("10.255.255.255", Some(Private)),
        ("172.16.0.1", Some(Private)),
        ("172.31.255.255", Some(Private)),
        ("172.15.255.255", None),
        ("172.32.0.0", None),
        ("192.168.1.1", Some(Private)),
        ("192.169.0.1", None),
        ("169.254.0.1", Some(LinkLocal)),
        ("169.254.169.254", Some(CloudMetadata)),
        ("100.64.0.1", Some(SharedAddressSpace)),
        ("100.127.255.255", Some(SharedAddressSpace)),
        ("100.63.255.255", None),
        ("100.128.0.0", None),
        ("255.255.255.255", Some(Broadcast)),
        ("224.0.0.1", Some(Multicast)),
        ("239.255.255.250", Some(Multicast)),
        ("240.0.0.1", Some(Reserved)),
        ("192.0.2.1", Some(Reserved)),
        ("198.18.0.1", Some(Reserved)),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("104.18.0.1", None),
    ];
    for (ip, expected) in cases {
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(classify_ip(ip), *expected, "{ip}");
    }
}

#[test]
fn ipv6_classification() {
    use AddressKind::*;
    let cases: &[(&str, Option<AddressKind>)] = &[
        ("::", Some(Unspecified)),
        ("::1", Some(Loopback)),
        ("fc00::1", Some(Private)),
        ("fd12:3456::1", Some(Private)),
        ("fd00:ec2::254", Some(CloudMetadata)),
        ("fec0::1", Some(Private)),
        ("fe80::1", Some(LinkLocal)),
        ("febf::1", Some(LinkLocal)),
        ("ff02::1", Some(Multicast)),
        ("2001:db8::1", Some(Reserved)),
        ("2001::1", Some(Reserved)),
        ("100::1", Some(Reserved)),
        // IPv4-mapped: judged by the IPv4 inside.
        ("::ffff:127.0.0.1", Some(Loopback)),
        ("::ffff:10.1.2.3", Some(Private)),
        ("::ffff:172.16.0.1", Some(Private)),
        ("::ffff:192.168.0.1", Some(Private)),
        ("::ffff:169.254.169.254", Some(CloudMetadata)),
        ("::ffff:169.254.1.1", Some(LinkLocal)),
        ("::ffff:100.64.0.1", Some(SharedAddressSpace)),
        ("::ffff:0.0.0.0", Some(Unspecified)),
        ("::ffff:255.255.255.255", Some(Broadcast)),
        ("::ffff:224.0.0.1", Some(Multicast)),
        ("::ffff:8.8.8.8", None),
        // IPv4-compatible (deprecated), NAT64 and 6to4 carry IPv4 addresses too.
        ("::127.0.0.1", Some(Loopback)),
        ("::8.8.8.8", Some(Reserved)),
        ("64:ff9b::127.0.0.1", Some(Loopback)),
        ("64:ff9b::a9fe:a9fe", Some(CloudMetadata)),
        ("64:ff9b::8.8.8.8", None),
        ("64:ff9b:1::1", Some(Private)),
        ("2002:7f00:1::", Some(Loopback)),
        ("2002:c0a8:101::1", Some(Private)),
        ("2002:808:808::1", None),
        ("2606:4700::1111", None),
        ("2a00:1450:4001::200e", None),
    ];
    for (ip, expected) in cases {
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(classify_ip(ip), *expected, "{ip}");
    }
    assert_eq!(
        classify_ip(IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped())),
        Some(Private)
    );
    assert_eq!(classify_ip(IpAddr::V6(Ipv6Addr::LOCALHOST)), Some(Loopback));
}

#[test]
fn internal_names() {
    for name in [
        "localhost",
        "LOCALHOST.",
        "app.localhost",
        "metadata.google.internal",
        "metadata",
    ] {
        assert!(is_forbidden_name(name), "{name}");
    }
    for name in ["api.openai.com", "localhost.example.com", "notlocalhost"] {
        assert!(!is_forbidden_name(name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Configured mode: the allowlist only

#[tokio::test]
async fn configured_reaches_loopback_when_allowlist_is_empty() {
    let (addr, hits) = serve_local().await;
    let body = get_text(&client(""), Trust::Configured, &format!("http://{addr}/"))
        .await
        .unwrap();
    assert_eq!(body, "hello");
    let body = get_text(
        &client(""),
        Trust::Configured,
        &format!("http://localhost:{}/", addr.port()),
    )
    .await
    .unwrap();
    assert_eq!(body, "hello");
    assert_eq!(hits.count(), 2);
}

#[tokio::test]
async fn configured_reaches_listed_hosts() {
    let (addr, _) = serve_local().await;
    let outbound = client("api.openai.com, 127.0.0.1, LocalHost");
    assert_eq!(
        get_text(&outbound, Trust::Configured, &format!("http://{addr}/"))
            .await
            .unwrap(),
        "hello"
    );
    let url = format!("http://localhost:{}/", addr.port());
    assert_eq!(
        get_text(&outbound, Trust::Configured, &url).await.unwrap(),
        "hello"
    );
}

#[tokio::test]
async fn configured_refuses_unlisted_hosts_before_connecting() {
    let (addr, hits) = serve_local().await;
    let outbound = client("api.openai.com, *.example.com");
    let err = outbound
        .get(Trust::Configured, &format!("http://{addr}/"))
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::NotAllowed { host } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "127.0.0.1 is not in Allowed Upstream Hostnames (System Console > Plugins > Agents)"
    );
    assert!(err.is_refusal());
    assert_eq!(hits.count(), 0);
}

#[tokio::test]
async fn allowlist_changes_apply_to_the_next_request() {
    let (addr, _) = serve_local().await;
    let outbound = client("api.openai.com");
    let url = format!("http://{addr}/");
    assert!(matches!(
        outbound.get(Trust::Configured, &url),
        Err(OutboundError::NotAllowed { .. })
    ));
    outbound.set_allowlist(HostAllowlist::parse("127.0.0.1").unwrap());
    assert_eq!(
        get_text(&outbound, Trust::Configured, &url).await.unwrap(),
        "hello"
    );
    outbound.set_allowlist(HostAllowlist::parse("other.example").unwrap());
    assert!(matches!(
        outbound.get(Trust::Configured, &url),
        Err(OutboundError::NotAllowed { .. })
    ));
}

#[tokio::test]
async fn configured_redirect_to_unlisted_host_is_refused() {
    let (target, target_hits) = serve_local().await;
    let to = format!("http://localhost:{}/", target.port());
    let (origin, _) = serve(LOOPBACK, Some(to)).await;
    let outbound = client("127.0.0.1");
    let err = get_text(&outbound, Trust::Configured, &format!("http://{origin}/to"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::NotAllowed { host } if host == "localhost"),
        "{err:?}"
    );
    assert_eq!(target_hits.count(), 0);
}

/// Issue 13: a configured endpoint that redirects elsewhere must not receive the provider's
/// key again there. reqwest drops only Authorization; Anthropic's `x-api-key`, Azure's
/// `api-key`, Ask Sage's token and the admin's MCP headers would follow.
#[tokio::test]
async fn configured_endpoints_follow_same_origin_redirects_only() {
    let (target, target_hits) = serve_local().await;
    let (origin, origin_hits) = serve(LOOPBACK, Some(format!("http://localhost:{}/", target.port()))).await;
    let outbound = client("");
    let err = outbound
        .get(Trust::Configured, &format!("http://{origin}/to"))
        .unwrap()
        .header("x-api-key", "sk-ant-secret")
        .bearer_auth("sk-secret")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::CrossOriginRedirect { to, .. } if to == "localhost"),
        "{err:?}"
    );
    assert!(err.is_refusal());
    assert_eq!(target_hits.count(), 0, "the other origin was never contacted");
    assert_eq!(
        *origin_hits.api_keys.lock().unwrap(),
        vec![Some("sk-ant-secret".to_owned())]
    );

    // Another port on the same host is another origin too.
    let (other_port, other_hits) = serve_local().await;
    let (origin, _) = serve(LOOPBACK, Some(format!("http://127.0.0.1:{}/", other_port.port()))).await;
    let err = get_text(&outbound, Trust::Configured, &format!("http://{origin}/to"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OutboundError::CrossOriginRedirect { .. }),
        "{err:?}"
    );
    assert_eq!(other_hits.count(), 0);

    // A redirect on the same origin is followed, credentials and all.
    let (origin, hits) = serve(LOOPBACK, Some("/".into())).await;
    let response = outbound
        .get(Trust::Configured, &format!("http://{origin}/to"))
        .unwrap()
        .header("x-api-key", "sk-ant-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "hello");
    assert_eq!(
        *hits.api_keys.lock().unwrap(),
        vec![Some("sk-ant-secret".to_owned()), Some("sk-ant-secret".to_owned())]
    );
}

#[tokio::test]
async fn untrusted_requests_with_credentials_stay_on_their_origin() {
    let names = [("public.test", PUBLIC_STANDIN)];
    let outbound = untrusted_client("", &names);
    let (target, target_hits) = serve(PUBLIC_STANDIN, None).await;
    let (origin, _) = serve(
        PUBLIC_STANDIN,
        Some(format!("http://public.test:{}/", target.port())),
    )
    .await;
    let url = format!("http://{origin}/to");
    // Without credentials the redirect to another public origin is followed.
    assert_eq!(
        get_text(&outbound, Trust::Untrusted, &url).await.unwrap(),
        "hello"
    );
    assert_eq!(target_hits.count(), 1);
    // With any header that may be a credential it is not.
    for (name, value) in [
        ("authorization", "Bearer t"),
        ("x-mattermost-userid", "u1"),
        ("x-api-key", "k"),
    ] {
        let err = outbound
            .get(Trust::Untrusted, &url)
            .unwrap()
            .header(name, value)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, OutboundError::CrossOriginRedirect { .. }),
            "{name}: {err:?}"
        );
    }
    assert_eq!(target_hits.count(), 1);
}

#[tokio::test]
async fn bodies_are_read_with_a_cap() {
    let app = Router::new().route("/big", get(|| async { "x".repeat(300_000) }));
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let outbound = client("");
    let url = format!("http://{addr}/big");
    let response = outbound
        .get(Trust::Configured, &url)
        .unwrap()
        .send()
        .await
        .unwrap();
    let err = mattermost_ai::outbound::read_capped(response, 100_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OutboundError::TooLarge { cap: 100_000, .. }),
        "{err:?}"
    );
    let response = outbound
        .get(Trust::Configured, &url)
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(
        mattermost_ai::outbound::read_capped(response, 300_000)
            .await
            .unwrap()
            .len(),
        300_000
    );
    // An error body is cut to what explains the error.
    let response = outbound
        .get(Trust::Configured, &url)
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(
        mattermost_ai::outbound::error_text(response).await.len(),
        mattermost_ai::outbound::ERROR_BODY_CAP
    );
}

#[tokio::test]
async fn redirect_loops_stop_after_five_hops() {
    let (origin, hits) = serve_local().await;
    let err = get_text(&client(""), Trust::Configured, &format!("http://{origin}/loop"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OutboundError::TooManyRedirects { max: 5 }),
        "{err:?}"
    );
    // The original request and five redirects were sent; the sixth redirect was not followed.
    assert_eq!(hits.count(), 6);
}

// ---------------------------------------------------------------------------------------------
// Untrusted mode: allowlist and address guard

#[tokio::test]
async fn untrusted_refuses_internal_urls_before_connecting() {
    let (addr, hits) = serve_local().await;
    let port = addr.port();
    let outbound = client("");
    let cases = [
        (
            format!("http://127.0.0.1:{port}/"),
            "127.0.0.1",
            Some(AddressKind::Loopback),
        ),
        (
            format!("http://127.1.2.3:{port}/"),
            "127.1.2.3",
            Some(AddressKind::Loopback),
        ),
        (
            format!("http://2130706433:{port}/"),
            "127.0.0.1",
            Some(AddressKind::Loopback),
        ),
        (
            format!("http://0x7f.1:{port}/"),
            "127.0.0.1",
            Some(AddressKind::Loopback),
        ),
        (
            format!("http://0.0.0.0:{port}/"),
            "0.0.0.0",
            Some(AddressKind::Unspecified),
        ),
        (
            format!("http://[::1]:{port}/"),
            "::1",
            Some(AddressKind::Loopback),
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            "::ffff:127.0.0.1",
            Some(AddressKind::Loopback),
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "169.254.169.254",
            Some(AddressKind::CloudMetadata),
        ),
        (
            "http://[::ffff:a9fe:a9fe]/".to_owned(),
            "::ffff:169.254.169.254",
            Some(AddressKind::CloudMetadata),
        ),
        (
            "https://10.0.0.1/".to_owned(),
            "10.0.0.1",
            Some(AddressKind::Private),
        ),
        (
            "https://192.168.1.10/jira".to_owned(),
            "192.168.1.10",
            Some(AddressKind::Private),
        ),
        (
            "https://[fd00::1]/".to_owned(),
            "fd00::1",
            Some(AddressKind::Private),
        ),
        (
            "https://[fe80::1]/".to_owned(),
            "fe80::1",
            Some(AddressKind::LinkLocal),
        ),
        (
            "https://100.100.100.200/".to_owned(),
            "100.100.100.200",
            Some(AddressKind::SharedAddressSpace),
        ),
        (format!("http://localhost:{port}/"), "localhost", None),
        (format!("http://LocalHost.:{port}/"), "localhost", None),
        (
            "http://metadata.google.internal/computeMetadata/v1/".to_owned(),
            "metadata.google.internal",
            None,
        ),
    ];
    for (url, host, kind) in cases {
        let err = outbound.get(Trust::Untrusted, &url).unwrap_err();
        match (kind, &err) {
            (Some(kind), OutboundError::ForbiddenAddress { host: h, kind: k, .. }) => {
                assert_eq!((h.as_str(), *k), (host, kind), "{url}")
            }
            (None, OutboundError::ForbiddenHost { host: h }) => assert_eq!(h, host, "{url}"),
            _ => panic!("{url}: {err:?}"),
        }
        assert!(err.is_refusal());
    }
    let err = outbound
        .get(Trust::Untrusted, &format!("http://127.0.0.1:{port}/"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "127.0.0.1 is a loopback address; URLs supplied by users or tools may not reach internal networks"
    );
    assert_eq!(hits.count(), 0);
}

#[tokio::test]
async fn untrusted_refuses_names_that_resolve_to_internal_addresses() {
    let (addr, hits) = serve_local().await;
    let outbound = untrusted_client("", &[("rebind.test", LOOPBACK)]);
    // The name itself passes the pre-flight check; the resolver refuses what it resolves to.
    let url = format!("http://rebind.test:{}/", addr.port());
    let err = get_text(&outbound, Trust::Untrusted, &url).await.unwrap_err();
    assert!(
        matches!(&err, OutboundError::ForbiddenAddress { host, addr, kind: AddressKind::Loopback }
            if host == "rebind.test" && *addr == LOOPBACK),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "rebind.test resolves to 127.0.0.1, a loopback address; URLs supplied by users or tools may not reach internal networks"
    );
    assert_eq!(hits.count(), 0);
}

/// What users (and models, through tool results) are told names the host they gave, never the
/// internal address it resolved to: the message must not become a probe of the internal DNS.
#[tokio::test]
async fn user_messages_never_reveal_internal_addresses() {
    let outbound = untrusted_client("", &[("rebind.test", IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)))]);
    let err = get_text(&outbound, Trust::Untrusted, "http://rebind.test/secret?token=abc")
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::ForbiddenAddress { .. }), "{err:?}");
    assert!(
        err.to_string().contains("10.1.2.3"),
        "the admin's log has it: {err}"
    );
    let shown = err.user_message();
    assert!(shown.contains("rebind.test"), "{shown}");
    for hidden in ["10.1.2.3", "token=abc", "/secret"] {
        assert!(!shown.contains(hidden), "{hidden} in {shown}");
    }
    // Nothing listens on port 9.
    let err = get_text(&client(""), Trust::Configured, "http://127.0.0.1:9/v1?key=sk")
        .await
        .unwrap_err();
    assert_eq!(err.user_message(), "could not reach 127.0.0.1");
}

#[tokio::test]
async fn untrusted_reaches_public_addresses_by_name_and_literal() {
    let (public, hits) = serve(PUBLIC_STANDIN, None).await;
    let outbound = untrusted_client("", &[("jira.example.com", PUBLIC_STANDIN)]);
    let by_name = format!("http://jira.example.com:{}/", public.port());
    assert_eq!(
        get_text(&outbound, Trust::Untrusted, &by_name).await.unwrap(),
        "hello"
    );
    assert_eq!(
        get_text(&outbound, Trust::Untrusted, &format!("http://{public}/"))
            .await
            .unwrap(),
        "hello"
    );
    assert_eq!(hits.count(), 2);

    // The allowlist applies to untrusted URLs too.
    outbound.set_allowlist(HostAllowlist::parse("*.atlassian.net").unwrap());
    let err = outbound.get(Trust::Untrusted, &by_name).unwrap_err();
    assert!(
        matches!(&err, OutboundError::NotAllowed { host } if host == "jira.example.com"),
        "{err:?}"
    );
}

#[tokio::test]
async fn untrusted_redirects_to_internal_addresses_are_refused() {
    let (internal, internal_hits) = serve_local().await;
    let port = internal.port();
    let names = [("rebind.test", LOOPBACK), ("public.test", PUBLIC_STANDIN)];
    let outbound = untrusted_client("", &names);
    for (to, check) in [
        (format!("http://127.0.0.1:{port}/"), "loopback literal"),
        (format!("http://[::1]:{port}/"), "IPv6 loopback literal"),
        (format!("http://localhost:{port}/"), "localhost"),
        (
            format!("http://rebind.test:{port}/"),
            "name resolving to loopback",
        ),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), "metadata"),
    ] {
        let (origin, origin_hits) = serve(PUBLIC_STANDIN, Some(to)).await;
        let err = get_text(
            &outbound,
            Trust::Untrusted,
            &format!("http://public.test:{}/to", origin.port()),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                OutboundError::ForbiddenAddress { .. } | OutboundError::ForbiddenHost { .. }
            ),
            "{check}: {err:?}"
        );
        assert_eq!(origin_hits.count(), 1, "{check}");
    }
    assert_eq!(internal_hits.count(), 0);

    // A redirect between public hosts is followed.
    let (public, _) = serve(PUBLIC_STANDIN, None).await;
    let (origin, _) = serve(
        PUBLIC_STANDIN,
        Some(format!("http://public.test:{}/", public.port())),
    )
    .await;
    assert_eq!(
        get_text(&outbound, Trust::Untrusted, &format!("http://{origin}/to"))
            .await
            .unwrap(),
        "hello"
    );

    // And the allowlist is rechecked on every hop.
    outbound.set_allowlist(HostAllowlist::parse("127.0.0.2").unwrap());
    let err = get_text(&outbound, Trust::Untrusted, &format!("http://{origin}/to"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::NotAllowed { host } if host == "public.test"),
        "{err:?}"
    );
}

#[tokio::test]
async fn check_url_is_the_redirect_policy() {
    let outbound = untrusted_client("*.example.com", &[]);
    let check = |trust, url: &str| outbound.check_url(trust, &url.parse().unwrap());
    assert!(check(Trust::Untrusted, "https://jira.example.com/rest").is_ok());
    assert!(check(Trust::Configured, "http://10.0.0.1.example.com/").is_ok());
    assert!(matches!(
        check(Trust::Untrusted, "https://jira.other.com/"),
        Err(OutboundError::NotAllowed { .. })
    ));
    assert!(matches!(
        check(Trust::Untrusted, "ftp://jira.example.com/"),
        Err(OutboundError::UnsupportedScheme { scheme }) if scheme == "ftp"
    ));
    outbound.set_allowlist(HostAllowlist::allow_all());
    assert!(check(Trust::Configured, "http://127.0.0.1:8065/").is_ok());
    assert!(matches!(
        check(Trust::Untrusted, "http://127.0.0.1:8065/"),
        Err(OutboundError::ForbiddenAddress { .. })
    ));
    // The test exemption is for 127.0.0.2 alone.
    assert!(check(Trust::Untrusted, "http://127.0.0.2:8065/").is_ok());
}

// ---------------------------------------------------------------------------------------------
// URLs, timeouts and error messages

#[tokio::test]
async fn bad_urls_and_schemes() {
    let outbound = client("");
    for url in ["not a url", "http://", "/relative/path", "http://exa mple.com/"] {
        let err = outbound.get(Trust::Configured, url).unwrap_err();
        assert!(matches!(err, OutboundError::BadUrl { .. }), "{url}: {err:?}");
    }
    for url in [
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://127.0.0.1:70/",
    ] {
        for trust in [Trust::Configured, Trust::Untrusted] {
            let err = outbound.get(trust, url).unwrap_err();
            assert!(
                matches!(err, OutboundError::UnsupportedScheme { .. }),
                "{url}: {err:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_silent_server_times_out_at_the_configured_limit() {
    let silent = serve_silent(b"").await;
    let outbound = OutboundClient::new(OutboundSettings {
        request_timeout: Duration::from_millis(300),
        ..OutboundSettings::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = outbound
        .get(Trust::Configured, &format!("http://{silent}/"))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, OutboundError::Timeout { host } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "request to 127.0.0.1 timed out");
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn per_request_timeout_overrides_the_default() {
    let silent = serve_silent(b"").await;
    let started = Instant::now();
    let err = client("")
        .get(Trust::Configured, &format!("http://{silent}/"))
        .unwrap()
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stalled_stream_times_out_while_reading_the_body() {
    let silent = serve_silent(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 1000\r\n\r\ndata: {}\n\n",
    )
    .await;
    let response = client("")
        .get(Trust::Configured, &format!("http://{silent}/"))
        .unwrap()
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = std::pin::pin!(outbound::bytes_stream(response));
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"data: {}\n\n");
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&err, OutboundError::Timeout { host } if host == "127.0.0.1"),
        "{err:?}"
    );
}

#[tokio::test]
async fn transport_errors_name_the_host_but_never_the_url() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://user:hunter2@{closed}/v1/models?key=sk-secret-key");
    let err = client("")
        .get(Trust::Configured, &url)
        .unwrap()
        .bearer_auth("sk-bearer-secret")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::Transport { host, .. } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert!(!err.is_refusal());
    let shown = format!("{err} / {err:?}");
    assert!(shown.contains("request to 127.0.0.1 failed: "), "{shown}");
    assert!(shown.to_lowercase().contains("connect"), "{shown}");
    for secret in ["sk-secret-key", "hunter2", "sk-bearer-secret", "/v1/models"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn redirects_to_other_schemes_are_not_followed() {
    let outbound = untrusted_client("", &[]);
    let (ftp, _) = serve(PUBLIC_STANDIN, Some("ftp://example.com/file".to_owned())).await;
    // Without an authority the Location is not even a URI to reqwest: the 302 itself comes back.
    let (file, _) = serve(PUBLIC_STANDIN, Some("file:///etc/passwd".to_owned())).await;
    for trust in [Trust::Configured, Trust::Untrusted] {
        let err = get_text(&outbound, trust, &format!("http://{ftp}/to"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OutboundError::UnsupportedScheme { scheme } if scheme == "ftp"),
            "{err:?}"
        );
        let response = outbound
            .get(trust, &format!("http://{file}/to"))
            .unwrap()
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
    }
}

#[test]
fn requests_never_print_their_headers() {
    let request = client("")
        .post(
            Trust::Configured,
            "https://api.openai.com/v1/chat/completions?key=sk-query",
        )
        .unwrap()
        .bearer_auth("sk-bearer-secret")
        .header("x-api-key", "sk-header-secret");
    let shown = format!("{request:?}");
    assert_eq!(request.host(), "api.openai.com");
    for secret in ["sk-query", "sk-bearer-secret", "sk-header-secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
