//! Who is calling.
//!
//! In production the caller is the `sub` claim of the JWT that API Gateway's authorizer verified
//! (`requestContext.authorizer.jwt.claims.sub`); nothing else is trusted. `cargo lambda watch` has
//! no authorizer, so local runs may switch on [`AuthMode::DevHeader`]: a request that carries no
//! claims may then name its caller in `x-dev-producer-id`.
//!
//! The switch fails closed. It takes `BEATPASS_DEV_AUTH=1` *and* a table endpoint on this machine
//! (`DYNAMODB_ENDPOINT` on a loopback address, which no deployed function has): a deployment that
//! somehow carried the variable still accepts JWT claims only. Only `cargo xtask dev` sets the
//! variable (on its `cargo lambda watch` command line); no deployable configuration does, as
//! `infra_template::no_deployable_configuration_enables_the_dev_header` checks. The function logs
//! a warning at start when the mode is on, and another when the variable is set but ignored.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use contribution::ProducerId;

use crate::problem::Problem;

/// The environment variable that enables the local-only header identity.
pub const DEV_AUTH_VAR: &str = "BEATPASS_DEV_AUTH";
/// The header naming the caller in local dev mode.
pub const DEV_HEADER: &str = "x-dev-producer-id";

/// How callers are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Only a verified JWT `sub` claim (production).
    JwtOnly,
    /// A JWT `sub` claim, or else the `x-dev-producer-id` header (local runs only).
    DevHeader,
}

impl AuthMode {
    /// `DevHeader` only when `BEATPASS_DEV_AUTH` is exactly `1` and `table_endpoint` (the
    /// store's non-AWS endpoint, if any) is on a loopback address; `JwtOnly` otherwise.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        table_endpoint: Option<&str>,
    ) -> Self {
        if dev_auth_asked(&lookup) && table_endpoint.is_some_and(is_loopback_url) {
            Self::DevHeader
        } else {
            Self::JwtOnly
        }
    }

    /// Logs a warning when the insecure local mode is on, or asked for and refused (call once,
    /// at start).
    fn warn(self, asked: bool) {
        match self {
            Self::DevHeader => tracing::warn!(
                "{DEV_AUTH_VAR}=1: requests without a JWT may name their caller in the {DEV_HEADER} header. Never deploy with this set."
            ),
            Self::JwtOnly if asked => tracing::error!(
                "{DEV_AUTH_VAR}=1 is ignored: the table is not on this machine, so this is not a local run. Only JWT callers are accepted; remove the variable from this deployment."
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
}

impl EdgeConfig {
    /// Reads `BEATPASS_DEV_AUTH` from the environment (honoured only with a loopback
    /// `table_endpoint`) and warns when the insecure local mode is on or refused.
    pub fn from_env(table_endpoint: Option<&str>) -> Self {
        let lookup = |name: &str| std::env::var(name).ok();
        let auth = AuthMode::from_lookup(lookup, table_endpoint);
        auth.warn(dev_auth_asked(&lookup));
        Self { auth }
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

/// The authenticated producer making the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(ProducerId);

impl Caller {
    /// The caller of `event`, or a 401 problem.
    pub fn of(event: &ApiGatewayV2httpRequest, mode: AuthMode) -> Result<Self, Problem> {
        if let Some(jwt) = verified_jwt(event) {
            return match jwt.claims.get("sub") {
                Some(sub) => ProducerId::parse(sub.as_str())
                    .map(Caller)
                    .map_err(|_| Problem::unauthorized()),
                None => Err(Problem::unauthorized()),
            };
        }
        if mode == AuthMode::DevHeader
            && let Some(value) = event.headers.get(DEV_HEADER)
        {
            let id = value.to_str().map_err(|_| Problem::unauthorized())?;
            return ProducerId::parse(id)
                .map(Caller)
                .map_err(|_| Problem::unauthorized());
        }
        Err(Problem::unauthorized())
    }

    pub fn id(&self) -> &ProducerId {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
