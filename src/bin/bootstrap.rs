//! The default `bootstrap`: answers every event with a pre-built HTTP
//! response (`200`, `text/plain`, `Hello World!`) in the shape its
//! integration accepts: REST API (and any other event), HTTP API / function
//! URL, ALB, ALB with multi-value headers (`events::PrebuiltSet`). The
//! answers are built once; each invocation picks one with a bounded scan of
//! the event and writes the POST head and that body in one `writev`.

fn main() {
    let hello = lambda_zero::events::PrebuiltSet::text(200, "text/plain", "Hello World!");
    lambda_zero::run_prebuilt_per_event(|event| hello.for_event(event))
}
