//! The test toolchain works: a real anvil starts on a free port, answers through alloy, and is
//! gone when its handle drops, also when the test fails.

use alloy::providers::{Provider, ProviderBuilder};
use popwatch_devnet::Anvil;

fn process_alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would show state Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn anvil_answers_its_chain_id_through_alloy_and_stops_on_drop() {
    let anvil = Anvil::spawn(&["--chain-id", "31337"]).expect("anvil starts");
    let pid = anvil.pid();
    let provider = ProviderBuilder::new().connect_http(anvil.url().parse().unwrap());
    assert_eq!(provider.get_chain_id().await.unwrap(), 31337);
    drop(anvil);
    assert!(!process_alive(pid), "anvil {pid} still running after drop");
}

#[test]
#[ignore = "needs anvil: run the README test command"]
fn two_anvils_get_different_free_ports() {
    let a = Anvil::spawn(&[]).unwrap();
    let b = Anvil::spawn(&[]).unwrap();
    assert_ne!(a.port(), b.port());
}

#[test]
#[ignore = "needs anvil: run the README test command"]
fn anvil_is_stopped_when_a_test_panics() {
    let pid = std::sync::Mutex::new(0);
    let result = std::panic::catch_unwind(|| {
        let anvil = Anvil::spawn(&[]).unwrap();
        *pid.lock().unwrap() = anvil.pid();
        panic!("a failing test");
    });
    assert!(result.is_err());
    let pid = *pid.lock().unwrap();
    assert!(
        pid != 0 && !process_alive(pid),
        "anvil {pid} outlived the panic"
    );
}
