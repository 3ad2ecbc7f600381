//! Lambda events as AWS sends them, for the handler tests and the tools that drive handlers:
//! API Gateway HTTP API (payload 2.0) requests, and SQS batches for `sync`.
//!
//! Every request starts from `fixtures/apigw-v2-jwt-request.json`, a request as API Gateway
//! sends it with a JWT authorizer, and changes only what the caller names (method, path, query,
//! headers, body, caller). Responses are read back as JSON.
//!
//! A crate of its own (not a module of the `tests` crate) so that `xtask` (`load`, `contract`,
//! `dev`) builds the same events without linking the test suite: the import graph points down.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::sqs::SqsEvent;
use serde_json::{Map, Value, json};

const TEMPLATE: &str = include_str!("../fixtures/apigw-v2-jwt-request.json");

/// A request to build: `Http::get("/tracks/t1/credits").caller("p1").build()`.
#[derive(Debug, Clone)]
pub struct Http {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<String>,
    base64: bool,
    caller: Option<String>,
    claims: Vec<(String, String)>,
}

impl Http {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            base64: false,
            caller: None,
            claims: Vec::new(),
        }
    }

    /// The request's path, as API Gateway routes it.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    pub fn post(path: &str, body: Value) -> Self {
        Self::new("POST", path).json(body)
    }

    pub fn put(path: &str, body: Value) -> Self {
        Self::new("PUT", path).json(body)
    }

    pub fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// The verified JWT `sub` of the caller (no caller: no authorizer context at all).
    pub fn caller(mut self, sub: &str) -> Self {
        self.caller = Some(sub.to_owned());
        self
    }

    /// Another verified claim beside `sub` (as API Gateway hands it: a string), e.g. the claim
    /// listing the producers an account acts for.
    pub fn claim(mut self, name: &str, value: &str) -> Self {
        self.claims.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body.to_string());
        self.header("content-type", "application/json")
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// A body API Gateway passes base64-encoded (binary, or any body it will not pass as text).
    pub fn base64_body(mut self, encoded: &str) -> Self {
        self.body = Some(encoded.to_owned());
        self.base64 = true;
        self
    }

    pub fn build(&self) -> ApiGatewayV2httpRequest {
        let mut event: Value = serde_json::from_str(TEMPLATE).expect("the fixture is JSON");
        let raw_query = self
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        event["rawPath"] = json!(self.path);
        event["rawQueryString"] = json!(raw_query);
        if !self.query.is_empty() {
            let params: Map<String, Value> = self
                .query
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            event["queryStringParameters"] = Value::Object(params);
        }
        event["requestContext"]["http"]["method"] = json!(self.method);
        event["requestContext"]["http"]["path"] = json!(self.path);
        for (name, value) in &self.headers {
            event["headers"][name] = json!(value);
        }
        match &self.caller {
            Some(sub) => {
                let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
                claims["sub"] = json!(sub);
                for (name, value) in &self.claims {
                    claims[name] = json!(value);
                }
            }
            None => {
                if let Some(context) = event["requestContext"].as_object_mut() {
                    context.remove("authorizer");
                }
            }
        }
        if let Some(body) = &self.body {
            event["headers"]["content-length"] = json!(body.len().to_string());
            event["body"] = json!(body);
            event["isBase64Encoded"] = json!(self.base64);
        }
        serde_json::from_value(event).expect("a valid API Gateway v2 event")
    }
}

/// A response's status, headers and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: i64,
    pub response: ApiGatewayV2httpResponse,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
}

impl From<ApiGatewayV2httpResponse> for Reply {
    fn from(response: ApiGatewayV2httpResponse) -> Self {
        let body = match &response.body {
            Some(Body::Text(text)) => serde_json::from_str(text).expect("responses are JSON"),
            Some(Body::Binary(bytes)) => serde_json::from_slice(bytes).expect("responses are JSON"),
            _ => Value::Null,
        };
        Self {
            status: response.status_code,
            response,
            body,
        }
    }
}

/// An SQS event as Lambda delivers it, one record per body (message ids `m0`, `m1`, …).
/// The platform's unique IAM id in local runs and tests: [`sqs_event`] stamps it as every
/// message's `SenderId`, and `cargo xtask dev` configures `sync` with it.
pub const PLATFORM_SENDER: &str = "AIDAPLATFORM";
/// The feed queue's ARN in local runs and tests: [`sqs_event`] names it as every record's
/// `eventSourceARN`, and `cargo xtask dev` configures `sync` with it.
pub const SYNC_QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:beatpass-sync";

pub fn sqs_event(bodies: &[String]) -> SqsEvent {
    sqs_event_from(PLATFORM_SENDER, bodies)
}

/// An SQS event whose messages `sender` sent.
pub fn sqs_event_from(sender: &str, bodies: &[String]) -> SqsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("m{i}"),
                "receiptHandle": format!("handle-{i}"),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795300000000",
                    "SenderId": sender,
                    "ApproximateFirstReceiveTimestamp": "1795300000001"
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": SYNC_QUEUE_ARN,
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}
