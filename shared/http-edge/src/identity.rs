//! Who is calling.
//!
//! In production the caller is the `sub` claim of the JWT that API Gateway's authorizer verified
//! (`requestContext.authorizer.jwt.claims.sub`); nothing else is trusted. `cargo lambda watch` has
//! no authorizer, so local runs may switch on [`AuthMode::DevHeader`] (`BEATPASS_DEV_AUTH=1`): a
//! request that carries no claims may then name its caller in `x-dev-producer-id`. The deployed
//! template never sets the variable, and the function logs a warning at start when it is on.

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
    /// `DevHeader` only when `BEATPASS_DEV_AUTH` is exactly `1`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        if lookup(DEV_AUTH_VAR).as_deref() == Some("1") {
            Self::DevHeader
        } else {
            Self::JwtOnly
        }
    }

    /// Logs a warning when the insecure local mode is on (call once, at start).
    pub fn warn_if_insecure(self) {
        if self == Self::DevHeader {
            tracing::warn!(
                "{DEV_AUTH_VAR}=1: requests without a JWT may name their caller in the {DEV_HEADER} header. Never deploy with this set."
            );
        }
    }
}

/// How an API function treats its callers, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeConfig {
    pub auth: AuthMode,
}

impl EdgeConfig {
    /// Reads `BEATPASS_DEV_AUTH` from the environment and warns when the insecure local mode is on.
    pub fn from_env() -> Self {
        let config = Self {
            auth: AuthMode::from_lookup(|name| std::env::var(name).ok()),
        };
        config.auth.warn_if_insecure();
        config
    }
}

/// The authenticated producer making the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub ProducerId);

impl Caller {
    /// The caller of `event`, or a 401 problem.
    pub fn of(event: &ApiGatewayV2httpRequest, mode: AuthMode) -> Result<Self, Problem> {
        let jwt = event
            .request_context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref());
        if let Some(jwt) = jwt {
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
