//! API Gateway HTTP API (payload 2.0) events built from a request's parts, starting from the
//! runtime's own example event (`tests/fixtures/aws/example-apigw-v2-request-no-authorizer.json`):
//! what the functions' tests, and anything that drives a function as Lambda would, hand the
//! host.

use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../tests/fixtures/aws/example-apigw-v2-request-no-authorizer.json");

/// The event API Gateway sends for `method path[?query]` from `source_ip` with these headers
/// (lower-case names) and body, as the JSON Lambda delivers.
pub fn event(method: &str, path: &str, source_ip: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let mut ev: Value = serde_json::from_str(EXAMPLE).unwrap_or_else(|e| unreachable!("the fixture is JSON: {e}"));
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    ev["rawPath"] = json!(path);
    ev["rawQueryString"] = json!(query);
    ev["queryStringParameters"] = Value::Null;
    ev["pathParameters"] = Value::Null;
    ev["cookies"] = Value::Null;
    ev["requestContext"]["http"]["method"] = json!(method);
    ev["requestContext"]["http"]["path"] = json!(path);
    ev["requestContext"]["http"]["sourceIp"] = json!(source_ip);
    let mut h = serde_json::Map::new();
    for (k, v) in headers {
        h.insert(k.to_ascii_lowercase(), json!(v));
    }
    h.insert("content-length".into(), json!(body.len().to_string()));
    ev["headers"] = Value::Object(h);
    ev["body"] = json!(body);
    ev["isBase64Encoded"] = json!(false);
    ev
}

/// The same event as the request `lambda_http` hands a handler.
pub fn request(
    method: &str,
    path: &str,
    source_ip: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> lambda_http::Request {
    let ev = event(method, path, source_ip, headers, body).to_string();
    lambda_http::request::from_str(&ev).unwrap_or_else(|e| unreachable!("an API Gateway v2 event: {e}"))
}
