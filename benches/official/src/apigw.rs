//! The API Gateway proxy answer both peers send, as a user of the official
//! runtime writes it: a `Serialize` struct.

use serde::Serialize;
use std::borrow::Cow;

#[derive(Serialize)]
pub struct Headers {
    #[serde(rename = "content-type")]
    pub content_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGatewayResponse {
    pub status_code: u16,
    pub headers: Headers,
    pub body: Cow<'static, str>,
    pub is_base64_encoded: bool,
}

impl ApiGatewayResponse {
    /// `200` with this content type and body (a `&'static str` body is not copied).
    pub fn ok(content_type: &'static str, body: impl Into<Cow<'static, str>>) -> Self {
        ApiGatewayResponse {
            status_code: 200,
            headers: Headers { content_type },
            body: body.into(),
            is_base64_encoded: false,
        }
    }
}
