//! Every case of EVAL.md's public test vectors (`tests/cases/public.json`) must give
//! exactly the expected output, compared as parsed JSON so key order does not matter.

use serde_json::Value;

#[test]
fn public_cases_pass() {
    let text = include_str!("cases/public.json");
    let cases: Vec<Value> = serde_json::from_str(text).unwrap_or_default();
    assert!(!cases.is_empty(), "no cases in public.json");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("(unnamed)");
        let input = case["input"].to_string();
        let got = anju_shared::eval::eval_str(&input)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<Value>(&s).map_err(|e| e.to_string()));
        match got {
            Ok(got) if got == case["expect"] => println!("ok   {name}"),
            Ok(got) => {
                println!("FAIL {name}");
                for (g, e) in array(&got["orders"])
                    .iter()
                    .zip(array(&case["expect"]["orders"]))
                {
                    if *g != e {
                        println!("  got:    {g}\n  expect: {e}");
                    }
                }
                failures.push(name.to_string());
            }
            Err(e) => {
                println!("FAIL {name}: {e}");
                failures.push(name.to_string());
            }
        }
    }
    println!(
        "{} passed, {} failed",
        cases.len() - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "failed cases: {failures:?}");
}

fn array(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}
