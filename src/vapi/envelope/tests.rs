use super::*;

fn parse(j: Json) -> Result<Request, Rejection> {
    Request::parse(j.to_string().as_bytes())
}

#[test]
fn the_captured_request_parses_and_serializes_back() {
    let wire = json!({"jsonrpc":"2.0","method":"invoke","params":{
        "serviceId":"com.vmware.snapservice.clusters.virtual_machines","operationId":"restore$task",
        "input":{"STRUCTURE":{"operation-input":{"cluster":"domain-c8","vm":"vm-42"}}},
        "ctx":{"appCtx":{"opId":"o-1"},"securityCtx":{"schemeId":"com.vmware.vapi.std.security.session_id","sessionId":"abc"}}},
        "id":"1"});
    let r = parse(wire.clone()).unwrap();
    assert_eq!(r.id, json!("1"));
    assert_eq!(r.operation_id, "restore$task");
    assert_eq!(
        r.ctx.security_ctx,
        Some(Ok(SecurityContext::SessionId(Secret::new("abc"))))
    );
    assert_eq!(r.to_json(), wire);
    // The session id is not in the request's Debug output.
    assert!(!format!("{r:?}").contains("abc"));
}

#[test]
fn envelope_errors_get_their_codes() {
    let p = |s: &str| Request::parse(s.as_bytes()).unwrap_err();
    let code = |r: Rejection| (r.error.code, r.id);
    assert_eq!(code(p("{")), (-32700, None));
    assert_eq!(code(p("[]")), (-32600, None));
    let base = json!({"jsonrpc":"2.0","method":"invoke","id":"7",
        "params":{"serviceId":"s","operationId":"o","input":null,"ctx":{}}});
    let with = |k: &str, v: Json| {
        let mut b = base.clone();
        b[k] = v;
        code(parse(b).unwrap_err())
    };
    assert_eq!(with("jsonrpc", json!("1.0")), (-32600, None));
    assert_eq!(with("id", json!({"a":1})), (-32600, None));
    assert_eq!(with("method", json!("call")), (-32601, Some(json!("7"))));
    assert_eq!(with("params", json!([])), (-32602, Some(json!("7"))));
    let mut no_id = base.clone();
    no_id.as_object_mut().unwrap().remove("id");
    assert_eq!(code(parse(no_id).unwrap_err()), (-32600, None));
    for (k, v) in [
        ("serviceId", json!(1)),
        ("input", json!({"NOPE": 1})),
        ("ctx", json!("x")),
    ] {
        let mut b = base.clone();
        b["params"][k] = v;
        assert_eq!(
            code(parse(b).unwrap_err()),
            (-32602, Some(json!("7"))),
            "{k}"
        );
    }
    assert!(parse(base).is_ok());
}

#[test]
fn security_contexts() {
    for ctx in [
        SecurityContext::UserPass {
            user: "u".into(),
            password: Secret::new("p"),
        },
        SecurityContext::SessionId(Secret::new("s")),
        SecurityContext::SamlBearerToken(Secret::new("<Assertion/>")),
    ] {
        assert_eq!(SecurityContext::from_json(&ctx.to_json()), Ok(ctx));
    }
    assert!(SecurityContext::from_json(&json!({"schemeId": USER_PASS, "userName": "u"})).is_err());
    assert_eq!(
        SecurityContext::from_json(&json!({"schemeId": "x"})),
        Ok(SecurityContext::Other {
            scheme_id: "x".into()
        })
    );
}

#[test]
fn responses_both_ways() {
    let ok = Response::result(&json!("3"), MethodResult::Output(Value::string("t")));
    assert_eq!(
        ok,
        json!({"jsonrpc":"2.0","id":"3","result":{"output":"t"}})
    );
    let r = Response::parse(ok.to_string().as_bytes()).unwrap();
    assert_eq!(r.id, Some(json!("3")));
    assert_eq!(
        r.body,
        ResponseBody::Result(MethodResult::Output(Value::string("t")))
    );
    let e = Response::error(None, &RpcError::new(ErrorCode::ParseError, "x"));
    let r = Response::parse(e.to_string().as_bytes()).unwrap();
    assert_eq!(r.id, Some(Json::Null));
    let ResponseBody::Protocol(p) = r.body else {
        panic!()
    };
    assert_eq!(p.code, -32700);
    for bad in [
        "x",
        "[]",
        r#"{"jsonrpc":"2.0","id":"1"}"#,
        r#"{"result":{}}"#,
    ] {
        assert!(Response::parse(bad.as_bytes()).is_err(), "{bad}");
    }
}
