//! An API Gateway v2 event seen as an HTTP request: method, decoded path segments, query
//! parameters, headers and a size-limited JSON body that fails with the right 4xx.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The request parts the handlers route and read on.
#[derive(Debug)]
pub struct Request<'a> {
    pub event: &'a ApiGatewayV2httpRequest,
    /// Upper-case method, e.g. `GET`.
    pub method: String,
    /// Percent-decoded path segments, without the stage prefix: `/tracks/t1/credits` is
    /// `["tracks", "t1", "credits"]`.
    pub segments: Vec<String>,
}

impl<'a> Request<'a> {
    pub fn new(event: &'a ApiGatewayV2httpRequest) -> Result<Self, Problem> {
        let method = event
            .request_context
            .http
            .method
            .as_str()
            .to_ascii_uppercase();
        let path = event
            .raw_path
            .as_deref()
            .or(event.request_context.http.path.as_deref())
            .unwrap_or("/");
        // A named stage prefixes the raw path (`/prod/tracks`); the `$default` stage does not.
        let path = match event.request_context.stage.as_deref() {
            Some(stage) if stage != "$default" => path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(stage))
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .unwrap_or(path),
            _ => path,
        };
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Problem::bad_request("the path is not valid percent-encoded UTF-8"))?;
        Ok(Self {
            event,
            method,
            segments,
        })
    }

    /// The request id API Gateway gave this request (for logs and 500s).
    pub fn request_id(&self) -> &str {
        self.event
            .request_context
            .request_id
            .as_deref()
            .unwrap_or("unknown")
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.event.query_string_parameters.first(name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.event.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `cursor` query parameter, checked against its documented form (URL-safe base64, 1 to
    /// 2,048 characters) whether or not there is a list to resume yet: a malformed cursor is a
    /// 400 even before the first run. Whether it belongs to the list is the store's check.
    pub fn cursor(&self) -> Result<Option<&str>, Problem> {
        match self.query("cursor") {
            None => Ok(None),
            Some(cursor)
                if (1..=2048).contains(&cursor.len())
                    && cursor
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Ok(Some(cursor))
            }
            Some(_) => Err(Problem::bad_request(
                "the cursor is not valid for this list",
            )),
        }
    }

    /// A query parameter parsed as a whole number in `1..=max`, or `default` when absent.
    pub fn limit(&self, default: u32, max: u32) -> Result<u32, Problem> {
        match self.query("limit") {
            None => Ok(default),
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Problem::bad_request(format!(
                    "limit must be a whole number from 1 to {max}, not {text:?}"
                ))),
            },
        }
    }

    /// The body as JSON of type `T`: 413 when over [`MAX_BODY_BYTES`], 415 when not declared
    /// `application/json`, 400 when missing or not JSON, 422 when JSON of the wrong shape
    /// (missing, unknown or mistyped fields).
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        let raw = self.event.body.as_deref().unwrap_or("");
        if raw.len() > MAX_BODY_BYTES * 4 / 3 + 4 {
            return Err(too_large());
        }
        let bytes = if self.event.is_base64_encoded {
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .map_err(|_| Problem::bad_request("the body is marked base64 but is not"))?
        } else {
            raw.as_bytes().to_vec()
        };
        if bytes.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        let content_type = self.header("content-type").unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(Problem::new(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                format!("send the body as application/json, not {content_type:?}"),
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Problem::bad_request("a JSON body is required"));
        }
        serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                Problem::unprocessable(format!("the body does not have the expected fields: {e}"))
            }
            _ => Problem::bad_request(format!("the body is not valid JSON: {e}")),
        })
    }
}

fn too_large() -> Problem {
    Problem::new(
        413,
        "payload-too-large",
        "Payload too large",
        format!("the body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// Decodes `%XX` escapes; `None` for a bad escape or invalid UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("t%201").as_deref(), Some("t 1"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}
