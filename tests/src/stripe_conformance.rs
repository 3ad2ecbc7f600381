//! The Stripe stand-in against Stripe's own Python library: `tests/stripe/conformance.py` runs
//! with the interpreter `cargo xtask test` installs it into (`BEATPASS_TEST_STRIPE_PYTHON`), and
//! must pass every check. Like the storage tests, it fails (never skips) without its tool.

use std::time::Duration;

#[tokio::test]
async fn the_stand_in_behaves_like_stripe_to_stripes_own_client() {
    let python = std::env::var("BEATPASS_TEST_STRIPE_PYTHON").expect(
        "BEATPASS_TEST_STRIPE_PYTHON names a Python with stripe-python installed: run the tests \
         through `cargo xtask test`, which installs it",
    );
    let stand_in = crate::support::payouts::stand_in(Duration::from_secs(2)).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/stripe/conformance.py");
    let base = stand_in.base_url.clone();
    // The script blocks; the stand-in keeps serving on this test's runtime meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(base)
            .output()
    })
    .await
    .expect("the script's thread")
    .expect("run the conformance script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "stripe-python found a difference:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    assert!(stdout.lines().filter(|l| l.starts_with("ok:")).count() >= 12);
}
