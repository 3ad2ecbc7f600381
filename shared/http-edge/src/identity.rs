//! Who is calling, and for whom.
//!
//! A Backstage login is an *account* (the JWT's `sub`); an account manages one or more producer
//! profiles (the Finances page's artist selector, `published-rules.md`). In production both come
//! from the JWT that API Gateway's authorizer verified (`requestContext.authorizer.jwt.claims`),
//! and nothing else is trusted: the account is `sub`, and the producers it acts for are read from
//! one claim, named by `PRODUCER_IDS_CLAIM` (the template's `ProducerIdsClaim`): `sub` itself by
//! default (one-artist tokens: the account *is* the producer), or a custom claim listing several
//! ids, which API Gateway hands the function as a string: a JSON array (`["p1","p2"]`), its own
//! rendering of an array (`[p1 p2]`), or space- or comma-separated ids.
//!
//! `cargo lambda watch` has no authorizer, so local runs may switch on `AuthMode::DevHeader`: a
//! request that carries no claims may then name the producers it acts for in `x-dev-producer-id`,
//! comma-separated, standing for such a token.
//!
//! That mode exists only in builds with this crate's `dev-identity` feature, which the API
//! functions pass on as their own `dev-identity` and only `cargo xtask dev` turns on (on its
//! `cargo lambda watch` command line) — the deployed binaries do not contain it, as
//! `xtask`'s `tidy::the_lambda_release_builds_have_no_dev_identity` checks against the features
//! cargo resolves for each function. Even where compiled, the switch fails closed: it takes
//! `BEATPASS_DEV_AUTH=1` *and* a table endpoint on this machine (`DYNAMODB_ENDPOINT` on a
//! loopback address, which no deployed function has), and no deployable configuration sets the
//! variable (`infra_template::no_deployable_configuration_enables_the_dev_header`). The function
//! logs a warning at start when the mode is on, and an error when the variable is set but
//! ignored.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use contribution::ProducerId;

use crate::problem::Problem;

/// The environment variable that enables the local-only header identity.
pub const DEV_AUTH_VAR: &str = "BEATPASS_DEV_AUTH";
/// The header naming the caller in local dev mode.
pub const DEV_HEADER: &str = "x-dev-producer-id";
/// The environment variable naming the JWT claim that lists the producers a caller acts for.
pub const PRODUCER_IDS_CLAIM_VAR: &str = "PRODUCER_IDS_CLAIM";
/// The most producers one account may act for (a longer claim is refused, not truncated).
pub const MAX_PRODUCERS_PER_ACCOUNT: usize = 50;

/// The JWT claim listing the producers a caller acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducersClaim(&'static str);

impl ProducersClaim {
    /// `sub`: the account is the one producer it acts for.
    pub const SUB: Self = Self("sub");

    /// The claim `name` (from configuration, read once per sandbox: the name is kept for the
    /// sandbox's life, so the configuration stays `Copy` and its defaults `const`). `None` when
    /// the name is not a plausible claim name.
    pub fn named(name: &str) -> Option<Self> {
        let plausible = (1..=128).contains(&name.len())
            && name.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'/')
            });
        if !plausible {
            return None;
        }
        Some(if name == "sub" {
            Self::SUB
        } else {
            Self(Box::leak(name.to_owned().into_boxed_str()))
        })
    }

    pub fn name(self) -> &'static str {
        self.0
    }
}

/// How callers are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Only a verified JWT `sub` claim (production).
    JwtOnly,
    /// A JWT `sub` claim, or else the `x-dev-producer-id` header (local builds only).
    #[cfg(feature = "dev-identity")]
    DevHeader,
}

impl AuthMode {
    /// `DevHeader` only in a build with the `dev-identity` feature, when `BEATPASS_DEV_AUTH` is
    /// exactly `1` and `table_endpoint` (the store's non-AWS endpoint, if any) is on a loopback
    /// address; `JwtOnly` otherwise.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        table_endpoint: Option<&str>,
    ) -> Self {
        #[cfg(feature = "dev-identity")]
        if dev_auth_asked(&lookup) && table_endpoint.is_some_and(is_loopback_url) {
            return Self::DevHeader;
        }
        let _ = (lookup, table_endpoint);
        Self::JwtOnly
    }

    /// Logs a warning when the insecure local mode is on, or asked for and refused (call once,
    /// at start).
    fn warn(self, asked: bool) {
        match self {
            #[cfg(feature = "dev-identity")]
            Self::DevHeader => tracing::warn!(
                "{DEV_AUTH_VAR}=1: requests without a JWT may name their caller in the {DEV_HEADER} header. Never deploy with this set."
            ),
            Self::JwtOnly if asked => tracing::error!(
                "{DEV_AUTH_VAR}=1 is ignored: this build has no dev identity, or the table is not on this machine. Only JWT callers are accepted; remove the variable from this deployment."
            ),
            Self::JwtOnly => {}
        }
    }
}

/// Whether `BEATPASS_DEV_AUTH` is exactly `1`.
fn dev_auth_asked(lookup: &impl Fn(&str) -> Option<String>) -> bool {
    lookup(DEV_AUTH_VAR).as_deref() == Some("1")
}

/// Whether `url` names a host on this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<aws_lambda_events::http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How an API function treats its callers, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeConfig {
    pub auth: AuthMode,
    /// The claim listing the producers a caller acts for.
    pub claim: ProducersClaim,
}

impl EdgeConfig {
    /// Verified JWTs only, one producer per token (`sub`): the deployed default.
    pub const JWT: EdgeConfig = EdgeConfig {
        auth: AuthMode::JwtOnly,
        claim: ProducersClaim::SUB,
    };

    /// Reads `BEATPASS_DEV_AUTH` from the environment (honoured only with a loopback
    /// `table_endpoint`) and warns when the insecure local mode is on or refused, and
    /// `PRODUCER_IDS_CLAIM` (`sub` when unset; a name that cannot be a claim is refused).
    pub fn from_env(table_endpoint: Option<&str>) -> Result<Self, String> {
        let lookup = |name: &str| std::env::var(name).ok();
        let auth = AuthMode::from_lookup(lookup, table_endpoint);
        auth.warn(dev_auth_asked(&lookup));
        let claim = match lookup(PRODUCER_IDS_CLAIM_VAR) {
            None => ProducersClaim::SUB,
            Some(name) => ProducersClaim::named(&name).ok_or_else(|| {
                format!("{PRODUCER_IDS_CLAIM_VAR} must name a JWT claim, not {name:?}")
            })?,
        };
        Ok(Self { auth, claim })
    }
}

/// The JWT API Gateway's authorizer verified for this request, if any.
fn verified_jwt(
    event: &ApiGatewayV2httpRequest,
) -> Option<&aws_lambda_events::apigw::ApiGatewayRequestAuthorizerJwtDescription> {
    event
        .request_context
        .authorizer
        .as_ref()
        .and_then(|a| a.jwt.as_ref())
}

/// The verified JWT's `sub` claim as sent (not validated as a producer id), for the request log:
/// who made a request is traceable without logging the token.
pub fn jwt_subject(event: &ApiGatewayV2httpRequest) -> Option<&str> {
    verified_jwt(event)?.claims.get("sub").map(String::as_str)
}

/// Who is making the request: the account (the JWT's `sub`), and the producers it acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    account: String,
    producers: Vec<ProducerId>,
}

impl Caller {
    /// The caller of `event`, or a 401 problem: no verified JWT (nor, in local dev mode, the
    /// header), no `sub`, or a claim naming something that is not a producer id.
    pub fn of(event: &ApiGatewayV2httpRequest, config: EdgeConfig) -> Result<Self, Problem> {
        if let Some(jwt) = verified_jwt(event) {
            let account = jwt.claims.get("sub").ok_or_else(Problem::unauthorized)?;
            let producers = if config.claim == ProducersClaim::SUB {
                producer_ids(account)
            } else {
                // A signed-in account that manages no profile yet acts for nobody.
                jwt.claims
                    .get(config.claim.name())
                    .map_or(Some(Vec::new()), |value| producer_ids(value))
            }
            .ok_or_else(Problem::unauthorized)?;
            return Ok(Self {
                account: account.clone(),
                producers,
            });
        }
        #[cfg(feature = "dev-identity")]
        if config.auth == AuthMode::DevHeader
            && let Some(value) = event.headers.get(DEV_HEADER)
        {
            let text = value.to_str().map_err(|_| Problem::unauthorized())?;
            let producers = producer_ids(text)
                .filter(|ids| !ids.is_empty())
                .ok_or_else(Problem::unauthorized)?;
            return Ok(Self {
                account: format!("dev:{}", text.trim()),
                producers,
            });
        }
        Err(Problem::unauthorized())
    }

    /// The account behind the request (`sub`), for the audit trail and the per-account limits.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The producers the caller acts for, in the claim's order.
    pub fn producers(&self) -> &[ProducerId] {
        &self.producers
    }

    /// Whether the caller may act for `producer`.
    pub fn acts_for(&self, producer: &ProducerId) -> bool {
        self.producers.contains(producer)
    }
}

/// The producer ids a claim's value lists (see the module docs for the forms), each once, in
/// order; `None` when one is not a producer id or there are more than
/// [`MAX_PRODUCERS_PER_ACCOUNT`]. An empty list is `Some(empty)`.
fn producer_ids(value: &str) -> Option<Vec<ProducerId>> {
    let text = value.trim();
    let items: Vec<String> = match serde_json::from_str::<Vec<String>>(text) {
        Ok(list) => list,
        Err(_) => text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text)
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_matches('"').to_owned())
            .collect(),
    };
    if items.len() > MAX_PRODUCERS_PER_ACCOUNT {
        return None;
    }
    let mut ids: Vec<ProducerId> = Vec::with_capacity(items.len());
    for item in items {
        let id = ProducerId::parse(item).ok()?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "dev-identity")]
    fn mode(dev_auth: Option<&str>, endpoint: Option<&str>) -> AuthMode {
        AuthMode::from_lookup(
            |name| {
                (name == DEV_AUTH_VAR)
                    .then(|| dev_auth.map(str::to_owned))
                    .flatten()
            },
            endpoint,
        )
    }

    fn ids(value: &str) -> Option<Vec<String>> {
        producer_ids(value).map(|ids| ids.iter().map(|i| i.to_string()).collect())
    }

    #[test]
    fn a_claim_lists_producers_in_every_form_api_gateway_hands_it() {
        let two = Some(vec!["p1".to_owned(), "p2".to_owned()]);
        assert_eq!(ids(r#"["p1","p2"]"#), two);
        assert_eq!(ids("[p1 p2]"), two);
        assert_eq!(ids("p1 p2"), two);
        assert_eq!(ids("p1,p2"), two);
        assert_eq!(ids(" p1, p2 ,p1 "), two, "each once");
        assert_eq!(ids("p1"), Some(vec!["p1".to_owned()]));
        assert_eq!(ids("[]"), Some(vec![]));
        assert_eq!(ids(""), Some(vec![]));
        assert_eq!(ids(r#"["p1","not an id!"]"#), None);
        assert_eq!(ids("p1 🎧"), None);
        let many: Vec<String> = (0..51).map(|n| format!("p{n}")).collect();
        assert_eq!(ids(&many.join(" ")), None);
        assert!(ProducersClaim::named("custom:producer_ids").is_some());
        assert!(ProducersClaim::named("").is_none());
        assert!(ProducersClaim::named("two words").is_none());
        assert_eq!(ProducersClaim::named("sub"), Some(ProducersClaim::SUB));
    }

    #[test]
    fn an_account_acts_for_the_producers_its_claim_lists() {
        let claim = ProducersClaim::named("custom:artists").expect("a claim");
        let config = EdgeConfig {
            claim,
            ..EdgeConfig::JWT
        };
        let event = test_events::Http::get("/me")
            .caller("auth0|account-7")
            .claim("custom:artists", "[p1 p2]")
            .build();
        let caller = Caller::of(&event, config).expect("admitted");
        assert_eq!(caller.account(), "auth0|account-7");
        assert!(caller.acts_for(&ProducerId::parse("p2").expect("id")));
        assert!(!caller.acts_for(&ProducerId::parse("p3").expect("id")));
        // The same token under the default claim: this `sub` is no producer id, so no caller.
        assert!(Caller::of(&event, EdgeConfig::JWT).is_err());
        // Without the claim: signed in, acting for nobody.
        let none = test_events::Http::get("/me").caller("account-8").build();
        assert_eq!(
            Caller::of(&none, config).map(|c| c.producers().len()),
            Ok(0)
        );
        // A claim naming a bad id is refused whole.
        let bad = test_events::Http::get("/me")
            .caller("account-9")
            .claim("custom:artists", "p1 p#2")
            .build();
        assert!(Caller::of(&bad, config).is_err());
    }

    #[cfg(feature = "dev-identity")]
    #[test]
    fn locally_the_header_names_several_producers() {
        let dev = EdgeConfig {
            auth: AuthMode::DevHeader,
            ..EdgeConfig::JWT
        };
        let local = test_events::Http::get("/me")
            .header(DEV_HEADER, "p1,p2")
            .build();
        let caller = Caller::of(&local, dev).expect("admitted");
        assert_eq!(caller.producers().len(), 2);
        assert_eq!(caller.account(), "dev:p1,p2");
    }

    #[cfg(feature = "dev-identity")]
    #[test]
    fn the_dev_header_needs_the_variable_and_a_table_on_this_machine() {
        let local = Some("http://127.0.0.1:8000");
        assert_eq!(mode(Some("1"), local), AuthMode::DevHeader);
        assert_eq!(
            mode(Some("1"), Some("http://localhost:8000")),
            AuthMode::DevHeader
        );
        assert_eq!(
            mode(Some("1"), Some("http://[::1]:8000")),
            AuthMode::DevHeader
        );
        // Deployed: no endpoint (AWS), or an endpoint elsewhere.
        assert_eq!(mode(Some("1"), None), AuthMode::JwtOnly);
        assert_eq!(
            mode(Some("1"), Some("https://dynamodb.us-east-1.amazonaws.com")),
            AuthMode::JwtOnly
        );
        assert_eq!(
            mode(Some("1"), Some("http://10.0.0.5:8000")),
            AuthMode::JwtOnly
        );
        assert_eq!(
            mode(Some("1"), Some("http://127.0.0.1.evil.example")),
            AuthMode::JwtOnly
        );
        assert_eq!(mode(Some("1"), Some("not a url")), AuthMode::JwtOnly);
        // Not asked.
        assert_eq!(mode(None, local), AuthMode::JwtOnly);
        assert_eq!(mode(Some("true"), local), AuthMode::JwtOnly);
    }
}
