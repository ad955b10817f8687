//! The `_X_AMZN_TRACE_ID` opt-in (a test binary of its own: it changes the
//! process environment).

use lambda_zero::internals::Endpoint;
use lambda_zero::internals::XRAY_ENV_VAR;
use lambda_zero::{Config, Runtime};
use lambda_zero_emulator::{Emulator, Event, Script};

fn served(xray_env: bool) -> Vec<String> {
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let script = Script::new()
        .event(Event::new("with", "{}").with_trace_id(trace))
        .event(Event::new("without", "{}"))
        .event(Event::new("again", "{}").with_trace_id("Root=1-2-3"));
    let emu = Emulator::start(script).unwrap();
    let mut rt = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap();
    rt.set_xray_env(xray_env);
    rt.run(|inv, out| {
        let env = std::env::var(XRAY_ENV_VAR).unwrap_or_else(|_| "unset".into());
        out.write_bytes(
            format!("{}|{env}", inv.context.xray_trace_id.unwrap_or("none")).as_bytes(),
        );
        Ok::<(), std::convert::Infallible>(())
    });
    emu.records()
        .iter()
        .map(|r| r.body_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_trace_id_reaches_the_environment_only_when_asked() {
    std::env::remove_var(XRAY_ENV_VAR);
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    assert_eq!(
        served(false),
        [
            format!("{trace}|unset"),
            "none|unset".into(),
            "Root=1-2-3|unset".into()
        ]
    );
    assert_eq!(
        served(true),
        [
            format!("{trace}|{trace}"),
            "none|unset".into(),
            "Root=1-2-3|Root=1-2-3".into()
        ]
    );
}
