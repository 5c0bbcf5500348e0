// Checks for exercise fraud_rule, on datasets/bank_transactions.csv (PAYMENTS, embedded by the grader).

#[test]
fn flags_every_stolen_card_burst() {
    let mut d = FraudDetector::new();
    let mut flagged_fraud = 0;
    let mut fraud_bursts_third = 0;
    let mut seen_in_burst: std::collections::BTreeMap<u32, u32> = Default::default();
    for (ts, account, amount, is_fraud) in PAYMENTS {
        let flag = d.on_payment(*ts, *account, *amount);
        if *is_fraud {
            let n = seen_in_burst.entry(*account).or_default();
            *n += 1;
            if *n % 4 == 3 {
                fraud_bursts_third += 1;
                assert!(flag, "the third large payment of account {account} at {ts} ms must be flagged");
            }
            if flag {
                flagged_fraud += 1;
            }
        }
    }
    assert!(fraud_bursts_third > 0);
    assert!(flagged_fraud >= fraud_bursts_third);
}

#[test]
fn no_false_alarms_on_normal_payments() {
    let mut d = FraudDetector::new();
    for (ts, account, amount, is_fraud) in PAYMENTS {
        let flag = d.on_payment(*ts, *account, *amount);
        assert!(!flag || *is_fraud, "account {account} at {ts} ms ({amount}) is a normal payment");
    }
}

#[test]
fn two_large_payments_are_not_enough() {
    let mut d = FraudDetector::new();
    assert!(!d.on_payment(0, 1, 1000.0));
    assert!(!d.on_payment(100, 1, 1000.0));
    assert!(!d.on_payment(200, 2, 1000.0), "another account's payment does not count");
    assert!(!d.on_payment(6000, 1, 1000.0), "the first two are older than 5 s by now");
}
