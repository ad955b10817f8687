//! Differential checks of the HTTP event layer (`events::http`
//! and `events::http_response`): random REST, HTTP API and ALB events
//! (single- and multi-value), with random JSON escapes, whitespace and
//! member order, read against a model built from the generator; random
//! responses of every shape parsed back by serde_json; header names with
//! escapes and surrogate pairs; base64 bodies. Seeded, so deterministic.
use lambda_zero::events::{HttpRequest, Prebuilt, Shape};
use serde_json::{json, Value};

#[test]
fn header_names_with_escapes_and_surrogate_pairs() {
    let ev = br#"{"httpMethod":"GET","path":"/a","headers":{"X-\ud83d\ude00":"v\u2028\"","Content-\u0054ype":"t"},"multiValueHeaders":{"X-\ud83d\ude00":["v\u2028\""],"Content-\u0054ype":["t"]}}"#;
    let r = HttpRequest::parse(ev).unwrap();
    assert_eq!(r.header("x-😀").unwrap().to_string(), "v\u{2028}\"");
    assert_eq!(r.header("content-type").unwrap(), "t");
    assert_eq!(r.header_values("CONTENT-TYPE").count(), 1);
}

#[test]
fn base64_bodies_padding_escapes_and_refusals() {
    let mut scratch = Vec::new();
    for (b, want) in [
        ("", Some(&b""[..])),
        ("Zg==", Some(b"f")),
        ("Zm8=", Some(b"fo")),
        ("Zg", None),
        ("Zg=", None),
        ("Z\u{e9}==", None),
        ("Zg\\u003d\\u003d", Some(b"f")),
        ("Zm9v\\n", None),
        ("====", None),
    ] {
        let ev = format!(r#"{{"httpMethod":"POST","body":"{b}","isBase64Encoded":true}}"#);
        let r = HttpRequest::parse(ev.as_bytes()).unwrap();
        let got = r.body(&mut scratch).ok().map(|x| x.to_vec());
        assert_eq!(got.as_deref(), want, "{b}");
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// JSON string literal for s, escaping randomly.
fn lit(rng: &mut Rng, s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        let must = c == '"' || c == '\\' || (c as u32) < 0x20;
        if must || (!" ;=".contains(c) && rng.below(4) == 0) {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                o.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            o.push(c);
        }
    }
    o.push('"');
    o
}

fn word(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "a", "B", "c", "-", "x", "Y", "é", "😀", " ", "\"", "z", "Q", "0", "_", "%2F", ";", "=",
        ",",
    ];
    if rng.below(10) == 0 {
        return ["cookie", "Cookie", "COOKIE"][rng.below(3)].to_string();
    }
    let n = 1 + rng.below(6);
    (0..n).map(|_| A[rng.below(A.len())]).collect()
}

fn ws(rng: &mut Rng) -> &'static str {
    ["", " ", "\n  ", "\t", "\r\n"][rng.below(5)]
}

#[test]
fn random_events_read_as_the_model_says() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..3000 {
        let shape_pick = rng.below(4); // 0 rest, 1 v2, 2 alb, 3 alb multi
        let nh = rng.below(40);
        let names: Vec<String> = (0..nh).map(|_| word(&mut rng)).collect();
        let vals: Vec<Vec<String>> = (0..nh)
            .map(|_| (0..1 + rng.below(3)).map(|_| word(&mut rng)).collect())
            .collect();
        let nq = rng.below(40);
        let qn: Vec<String> = (0..nq).map(|_| word(&mut rng)).collect();
        let qv: Vec<Vec<String>> = (0..nq)
            .map(|_| (0..1 + rng.below(3)).map(|_| word(&mut rng)).collect())
            .collect();
        let w = |rng: &mut Rng| ws(rng).to_string();
        let obj_single = |rng: &mut Rng, ks: &[String], vs: &[Vec<String>]| {
            let m: Vec<String> = ks
                .iter()
                .zip(vs)
                .map(|(k, v)| {
                    format!(
                        "{}{}{}:{}{}",
                        w(rng),
                        lit(rng, k),
                        w(rng),
                        w(rng),
                        lit(rng, v.last().unwrap())
                    )
                })
                .collect();
            format!("{{{}{}}}", m.join(","), w(rng))
        };
        let obj_multi = |rng: &mut Rng, ks: &[String], vs: &[Vec<String>]| {
            let m: Vec<String> = ks
                .iter()
                .zip(vs)
                .map(|(k, v)| {
                    let e: Vec<String> = v
                        .iter()
                        .map(|x| format!("{}{}", w(rng), lit(rng, x)))
                        .collect();
                    format!("{}{}:[{}{}]", w(rng), lit(rng, k), e.join(","), w(rng))
                })
                .collect();
            format!("{{{}{}}}", m.join(","), w(rng))
        };
        // Which fields each integration sends: (v2, single-value maps,
        // multi-value maps, ALB).
        let (v2, single, multi, elb) = match shape_pick {
            0 => (false, true, true, false),
            1 => (true, true, false, false),
            2 => (false, true, false, true),
            _ => (false, false, true, true),
        };
        let mut members: Vec<String> = Vec::new();
        if v2 {
            members.push("\"version\":\"2.0\"".into());
            members.push(format!("\"rawPath\":{}", lit(&mut rng, "/p")));
            members.push("\"requestContext\":{\"http\":{\"method\":\"GET\"}}".into());
        } else {
            members.push(format!("\"httpMethod\":{}", lit(&mut rng, "GET")));
            members.push(format!("\"path\":{}", lit(&mut rng, "/p")));
        }
        if elb {
            members.push("\"requestContext\":{\"elb\":{\"targetGroupArn\":\"t\"}}".into());
        }
        for (on, prefix, write) in [
            (
                single,
                "",
                &obj_single as &dyn Fn(&mut Rng, &[String], &[Vec<String>]) -> String,
            ),
            (multi, "multiValue", &obj_multi),
        ] {
            if !on {
                continue;
            }
            let (h, q) = if prefix.is_empty() {
                ("headers".to_string(), "queryStringParameters".to_string())
            } else {
                (
                    format!("{prefix}Headers"),
                    format!("{prefix}QueryStringParameters"),
                )
            };
            members.push(format!("\"{h}\":{}", write(&mut rng, &names, &vals)));
            members.push(format!("\"{q}\":{}", write(&mut rng, &qn, &qv)));
        }
        // shuffle
        for i in (1..members.len()).rev() {
            let j = rng.below(i + 1);
            members.swap(i, j);
        }
        let ev = format!(
            "{{{}}}",
            members
                .iter()
                .map(|m| format!("{}{}", ws(&mut rng), m))
                .collect::<Vec<_>>()
                .join(",")
        );
        // The generator writes valid JSON (a second parser agrees).
        serde_json::from_str::<Value>(&ev).unwrap_or_else(|e| panic!("{round}: {e}: {ev}"));
        let r = HttpRequest::parse(ev.as_bytes()).unwrap_or_else(|e| panic!("{round}: {e}: {ev}"));
        // The model: the first member of that name (ignoring ASCII case for
        // headers), its last value; every value where the event is multi-value.
        let mut lookups: Vec<String> = names.clone();
        lookups.push("nope".into());
        for look in &lookups {
            let variants = [
                look.clone(),
                look.to_ascii_uppercase(),
                look.to_ascii_lowercase(),
            ];
            for l in &variants {
                let want = names
                    .iter()
                    .zip(&vals)
                    .find(|(k, _)| k.eq_ignore_ascii_case(l))
                    .map(|(_, v)| v.last().unwrap().clone());
                assert_eq!(
                    r.header(l).map(|s| s.to_string()),
                    want,
                    "{round} {l:?}: {ev}"
                );
                let wantall: Vec<String> = match shape_pick {
                    0 | 3 => names
                        .iter()
                        .zip(&vals)
                        .find(|(k, _)| k.eq_ignore_ascii_case(l))
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                    _ => want.into_iter().collect(),
                };
                assert_eq!(
                    r.header_values(l)
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                    wantall,
                    "{round} {l:?}"
                );
            }
        }
        for (i, k) in qn.iter().enumerate() {
            let first = qn.iter().position(|x| x == k).unwrap();
            let want = qv[first].last().unwrap().clone();
            assert_eq!(
                r.query(k).map(|s| s.to_string()),
                Some(want),
                "{round} {k:?} {i}"
            );
        }
        // query string
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        let want_qs: String = match shape_pick {
            1 => String::new(),
            0 => {
                let mut p = Vec::new();
                for (k, vs) in qn.iter().zip(&qv) {
                    for v in vs {
                        p.push(format!("{}={}", enc(k), enc(v)));
                    }
                }
                p.join("&")
            }
            2 => qn
                .iter()
                .zip(&qv)
                .map(|(k, v)| format!("{k}={}", v.last().unwrap()))
                .collect::<Vec<_>>()
                .join("&"),
            _ => {
                let mut p = Vec::new();
                for (k, vs) in qn.iter().zip(&qv) {
                    for v in vs {
                        p.push(format!("{k}={v}"));
                    }
                }
                p.join("&")
            }
        };
        assert_eq!(r.query_string(&mut String::new()), want_qs, "{round}");
        // header pairs
        let want_pairs: Vec<(String, String)> = match shape_pick {
            3 => names
                .iter()
                .zip(&vals)
                .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
                .collect(),
            _ => names
                .iter()
                .zip(&vals)
                .map(|(k, vs)| (k.clone(), vs.last().unwrap().clone()))
                .collect(),
        };
        assert_eq!(
            r.headers()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
            want_pairs
        );
        // cookies from the first cookie header
        let cv: Vec<String> = match names.iter().position(|k| k.eq_ignore_ascii_case("cookie")) {
            None => vec![],
            Some(i) => {
                if matches!(shape_pick, 0 | 3) {
                    vals[i].clone()
                } else {
                    vec![vals[i].last().unwrap().clone()]
                }
            }
        };
        let want_c: Vec<String> = cv
            .iter()
            .flat_map(|h| {
                h.split(';')
                    .map(|x| x.trim_matches(' ').to_string())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            r.cookies().map(|c| c.to_string()).collect::<Vec<_>>(),
            want_c,
            "{round}"
        );
    }
}

fn any_text(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "a", "\"", "\\", "\n", "\r", "\u{0}", "\u{1f}", "\u{7f}", "\u{2028}", "é", "😀", "}", "]",
        ",", ":", "\\u0041", "/", "<", "x",
    ];
    let n = rng.below(12);
    (0..n).map(|_| A[rng.below(A.len())]).collect()
}

#[test]
fn random_responses_are_the_json_each_shape_wants() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for round in 0..3000 {
        let shape = Shape::ALL[rng.below(5)];
        let status = [200u16, 201, 302, 400, 404, 500, 503][rng.below(7)];
        let nh = rng.below(6);
        let heads: Vec<(String, Vec<String>, bool)> = (0..nh)
            .map(|i| {
                (
                    format!("h{i}{}", any_text(&mut rng)),
                    (0..1 + rng.below(3)).map(|_| any_text(&mut rng)).collect(),
                    rng.below(2) == 0,
                )
            })
            .collect();
        let cookies: Vec<String> = (0..rng.below(4)).map(|_| any_text(&mut rng)).collect();
        let body = any_text(&mut rng);
        let binary = rng.below(3) == 0;
        let p = Prebuilt::new(shape, status, |r| {
            let mut r = r;
            for (k, vs, multi) in &heads {
                r = if *multi {
                    r.multi_value_header(k, vs)
                } else {
                    r.header(k, &vs[0])
                };
            }
            if cookies.is_empty() {
                if binary {
                    r.body_binary(body.as_bytes())
                } else {
                    r.body_text(&body)
                }
            } else {
                let mut c = r.cookie(&cookies[0]);
                for x in &cookies[1..] {
                    c = c.cookie(x);
                }
                if binary {
                    c.body_binary(body.as_bytes())
                } else {
                    c.body_text(&body)
                }
            }
        });
        let text = std::str::from_utf8(p.as_bytes()).unwrap();
        let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{round} {e}: {text}"));
        assert_eq!(v["statusCode"], status);
        if binary {
            assert_eq!(v["isBase64Encoded"], true);
        } else {
            assert_eq!(v["body"], body.as_str(), "{text}");
        }
        // headers model
        let mut single = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        let mut multi_open = false;
        for (k, vs, m) in &heads {
            match shape {
                Shape::RestApi => {
                    if *m {
                        multi_open = true;
                        multi.insert(k.clone(), json!(vs));
                    } else if multi_open {
                        multi.insert(k.clone(), json!([vs[0]]));
                    } else {
                        single.insert(k.clone(), json!(vs[0]));
                    }
                }
                Shape::AlbMultiValue => {
                    multi.insert(k.clone(), if *m { json!(vs) } else { json!([vs[0]]) });
                }
                _ => {
                    single.insert(
                        k.clone(),
                        if *m {
                            json!(vs.join(","))
                        } else {
                            json!(vs[0])
                        },
                    );
                }
            }
        }
        match shape {
            Shape::RestApi => {
                if !cookies.is_empty() {
                    multi.insert("Set-Cookie".into(), json!(cookies));
                }
            }
            Shape::AlbMultiValue => {
                if !cookies.is_empty() {
                    multi.insert("set-cookie".into(), json!(cookies));
                }
            }
            Shape::HttpApi | Shape::FunctionUrl => assert_eq!(v["cookies"], json!(cookies)),
            Shape::Alb => {
                for c in &cookies {
                    assert!(v["headers"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .any(|(k, x)| k.eq_ignore_ascii_case("set-cookie") && x == c));
                }
                let n = v["headers"].as_object().map_or(0, |h| {
                    h.keys()
                        .filter(|k| k.eq_ignore_ascii_case("set-cookie"))
                        .count()
                });
                assert_eq!(n, cookies.len());
                if let Some(h) = v["headers"].as_object() {
                    for (k, x) in h {
                        if !k.eq_ignore_ascii_case("set-cookie") {
                            single.insert(k.clone(), x.clone());
                        }
                    }
                }
                let mut got = v["headers"].as_object().cloned().unwrap_or_default();
                got.retain(|k, _| !k.eq_ignore_ascii_case("set-cookie"));
                single.retain(|k, _| !k.eq_ignore_ascii_case("set-cookie"));
                assert_eq!(got, single);
                continue;
            }
        }
        let got_s = v
            .get("headers")
            .and_then(|h| h.as_object())
            .cloned()
            .unwrap_or_default();
        let got_m = v
            .get("multiValueHeaders")
            .and_then(|h| h.as_object())
            .cloned()
            .unwrap_or_default();
        assert_eq!(got_s, single, "{round} {shape:?} {text}");
        assert_eq!(got_m, multi, "{round} {shape:?} {text}");
    }
}
