// Checks for exercise attack_rule, on datasets/network_flows.csv (FLOWS, embedded by the grader).

#[test]
fn floods_are_flagged() {
    let mut d = AttackDetector::new();
    for (ts, src, port, bytes, label) in FLOWS {
        let flag = d.on_flow(*ts, src, *port, *bytes);
        if *label == "flood" {
            assert!(flag, "the flood from {src} at {ts} ms must be flagged");
        }
    }
}

#[test]
fn port_scans_are_flagged_by_their_fifth_port() {
    let mut d = AttackDetector::new();
    let mut flagged_scans = 0;
    for (ts, src, port, bytes, label) in FLOWS {
        if d.on_flow(*ts, src, *port, *bytes) && *label == "scan" {
            flagged_scans += 1;
        }
    }
    let scans = FLOWS.iter().filter(|f| f.4 == "scan").count();
    assert!(flagged_scans * 5 >= scans, "{flagged_scans} scan flows flagged of {scans}: each scan has 5 ports");
}

#[test]
fn normal_traffic_raises_no_alarm() {
    let mut d = AttackDetector::new();
    for (ts, src, port, bytes, label) in FLOWS {
        let flag = d.on_flow(*ts, src, *port, *bytes);
        assert!(!flag || *label != "normal", "normal flow from {src} to port {port} at {ts} ms flagged");
    }
}
