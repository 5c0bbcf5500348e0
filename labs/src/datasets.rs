//! Small sample data sets for the labs and exercises, generated from a fixed seed so that
//! `streamlab dataset gen` reproduces the committed files byte for byte. Each set carries the flaws the
//! 5V lab measures (Veracity): duplicates, missing fields, out-of-order and corrupt records.

use rand::RngExt;
use streamlab_sim::rng::{SimRng, stream};

/// The generator version's seed: change it and every committed file changes.
const SEED: u64 = 14;

/// One sample data set: its file name, what it holds, and its generator.
pub struct Dataset {
    pub name: &'static str,
    pub description: &'static str,
    make: fn() -> String,
}

impl Dataset {
    /// The file's contents, the same on every machine.
    pub fn generate(&self) -> String {
        (self.make)()
    }
}

/// Every data set, in file-name order: the seven files of `datasets/`.
pub const DATASETS: &[Dataset] = &[
    Dataset {
        name: "bank_transactions.csv",
        description: "bank card payments, 1 % fraud injected as bursts of large foreign payments",
        make: bank,
    },
    Dataset {
        name: "clickstream.csv",
        description: "page views and clicks of web users (Zipf-popular pages)",
        make: clicks,
    },
    Dataset {
        name: "iot_sensors.csv",
        description: "temperature readings with duplicates, gaps, late and corrupt rows",
        make: sensors,
    },
    Dataset {
        name: "network_flows.csv",
        description: "network flows with port-scan and flood attacks labelled",
        make: flows,
    },
    Dataset { name: "taxi_trips.csv", description: "taxi trips: start, end, vehicle, distance", make: trips },
    Dataset { name: "telecom_cdr.jsonl", description: "call detail records as JSON lines", make: cdr },
    Dataset {
        name: "web_server.log",
        description: "web server log lines (Common Log Format), for batch log analysis",
        make: logs,
    },
];

/// One data set by file name, generated alone.
pub fn generate_one(name: &str) -> Option<String> {
    DATASETS.iter().find(|d| d.name == name).map(Dataset::generate)
}

fn rng(name: &str) -> SimRng {
    stream(SEED, name)
}

fn zipf_index(r: &mut SimRng, n: u32) -> u32 {
    // Inverse-CDF of a 1/k popularity over n items, by rejection on a harmonic bound.
    loop {
        let k = r.random_range(1..=n);
        if r.random::<f64>() < 1.0 / f64::from(k) {
            return k - 1;
        }
    }
}

fn clicks() -> String {
    let mut r = rng("clickstream");
    let mut s = String::from("ts_ms,user,page,action\n");
    let mut t = 0u64;
    for _ in 0..2000 {
        t += r.random_range(1..200);
        let action = if r.random::<f64>() < 0.8 { "view" } else { "click" };
        s += &format!("{t},u{},/page/{},{action}\n", r.random_range(0..300), zipf_index(&mut r, 50));
    }
    s
}

fn sensors() -> String {
    let mut r = rng("iot");
    let mut s = String::from("ts_ms,sensor,temperature_c\n");
    let mut rows: Vec<(u64, String)> = Vec::new();
    for i in 0..1500u64 {
        let t = i * 1000;
        let sensor = format!("s{}", i % 10);
        let temp = 20.0 + 5.0 * ((i % 86) as f64 / 86.0) + r.random_range(-0.5..0.5);
        let roll = r.random::<f64>();
        let row = if roll < 0.02 {
            format!("{t},{sensor},") // missing value
        } else if roll < 0.04 {
            format!("{t},{sensor},-999.0") // a broken sensor's sentinel: corrupt
        } else {
            format!("{t},{sensor},{temp:.2}")
        };
        // 3 % arrive late: they are written later in the file than their timestamp says.
        let pos = if r.random::<f64>() < 0.03 { t + r.random_range(5_000..60_000) } else { t };
        rows.push((pos, row.clone()));
        if r.random::<f64>() < 0.02 {
            rows.push((pos, row)); // duplicate delivery
        }
    }
    rows.sort_by_key(|(p, _)| *p);
    for (_, row) in rows {
        s += &row;
        s.push('\n');
    }
    s
}

fn bank() -> String {
    let mut r = rng("bank");
    let mut s = String::from("ts_ms,account,amount,country,is_fraud\n");
    let mut t = 0u64;
    for _ in 0..3000 {
        t += r.random_range(10..2000);
        let account = r.random_range(0..400);
        if r.random::<f64>() < 0.003 {
            // A stolen card: a burst of large foreign payments within seconds.
            for k in 0..4 {
                s += &format!("{},{account},{:.2},XX,1\n", t + k * 700, r.random_range(900.0..5000.0));
            }
            t += 3000;
            continue;
        }
        s += &format!("{t},{account},{:.2},KZ,0\n", r.random_range(1.0..200.0));
    }
    s
}

fn flows() -> String {
    let mut r = rng("flows");
    let mut s = String::from("ts_ms,src,dst_port,bytes,packets,label\n");
    let mut t = 0u64;
    for _ in 0..2500 {
        t += r.random_range(1..100);
        let roll = r.random::<f64>();
        if roll < 0.02 {
            // Port scan: one source, many ports, tiny flows.
            let src = r.random_range(200..210);
            for k in 0..5 {
                s += &format!("{},10.0.0.{src},{},60,1,scan\n", t + k, r.random_range(1..65535));
            }
        } else if roll < 0.03 {
            s += &format!(
                "{t},10.0.0.{},80,{},{},flood\n",
                r.random_range(220..230),
                r.random_range(50_000..90_000),
                r.random_range(800..1500)
            );
        } else {
            let port = [80, 443, 443, 22, 53][r.random_range(0..5)];
            s += &format!(
                "{t},10.0.1.{},{port},{},{},normal\n",
                r.random_range(1..200),
                r.random_range(400..20_000),
                r.random_range(3..40)
            );
        }
    }
    s
}

fn cdr() -> String {
    let mut r = rng("cdr");
    let mut s = String::new();
    let mut t = 0u64;
    for i in 0..1200 {
        t += r.random_range(50..3000);
        s += &format!(
            "{{\"id\":{i},\"ts_ms\":{t},\"caller\":\"+7701{:07}\",\"cell\":\"C{}\",\"duration_s\":{},\"bytes\":{}}}\n",
            r.random_range(0..1_000_000),
            r.random_range(1..40),
            r.random_range(0..900),
            r.random_range(0..5_000_000)
        );
    }
    s
}

fn trips() -> String {
    let mut r = rng("trips");
    let mut s = String::from("start_ms,end_ms,vehicle,distance_km\n");
    let mut t = 0u64;
    for _ in 0..1000 {
        t += r.random_range(100..20_000);
        let minutes = r.random_range(3..60);
        s += &format!(
            "{t},{},v{},{:.1}\n",
            t + minutes * 60_000,
            r.random_range(0..150),
            minutes as f64 * r.random_range(0.3..0.9)
        );
    }
    s
}

fn logs() -> String {
    let mut r = rng("logs");
    let mut s = String::new();
    let paths = ["/", "/login", "/search?q=kafka", "/api/orders", "/static/app.js", "/admin"];
    for i in 0..1500u64 {
        let status = match r.random_range(0..100) {
            0..=89 => 200,
            90..=94 => 404,
            95..=97 => 500,
            _ => 302,
        };
        let sec = i * 7 % 86_400;
        s += &format!(
            "10.0.{}.{} - - [24/Nov/2026:{:02}:{:02}:{:02} +0500] \"GET {} HTTP/1.1\" {status} {}\n",
            r.random_range(0..4),
            r.random_range(1..250),
            sec / 3600,
            sec / 60 % 60,
            sec % 60,
            paths[r.random_range(0..paths.len())],
            r.random_range(200..50_000)
        );
    }
    s
}

/// Veracity of the sensor data: what is wrong with it, counted.
#[derive(Debug, PartialEq, serde::Serialize)]
pub struct Veracity {
    pub rows: u64,
    pub duplicates: u64,
    pub missing: u64,
    pub corrupt: u64,
    pub out_of_order: u64,
    pub mean_raw_c: f64,
    pub mean_clean_c: f64,
}

/// Reads iot_sensors.csv as an analyst would: the raw mean, and the mean after cleaning.
pub fn sensor_veracity(csv: &str) -> Veracity {
    let mut seen = std::collections::BTreeSet::new();
    let (mut rows, mut dup, mut missing, mut corrupt, mut ooo) = (0, 0, 0, 0, 0);
    let (mut raw_sum, mut raw_n, mut clean_sum, mut clean_n) = (0.0, 0u64, 0.0, 0u64);
    let mut max_ts = 0u64;
    for line in csv.lines().skip(1) {
        rows += 1;
        let f: Vec<&str> = line.split(',').collect();
        let ts: u64 = f[0].parse().unwrap_or(0);
        if ts < max_ts {
            ooo += 1;
        }
        max_ts = max_ts.max(ts);
        let value: Option<f64> = f.get(2).and_then(|v| v.parse().ok());
        let Some(v) = value else {
            missing += 1;
            continue;
        };
        raw_sum += v;
        raw_n += 1;
        if !seen.insert(line.to_string()) {
            dup += 1;
            continue;
        }
        if !(-50.0..=80.0).contains(&v) {
            corrupt += 1;
            continue;
        }
        clean_sum += v;
        clean_n += 1;
    }
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Veracity {
        rows,
        duplicates: dup,
        missing,
        corrupt,
        out_of_order: ooo,
        mean_raw_c: round(raw_sum / raw_n.max(1) as f64),
        mean_clean_c: round(clean_sum / clean_n.max(1) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_seven_data_sets_are_listed_once_in_file_name_order_and_generate_alone() {
        let names: Vec<&str> = DATASETS.iter().map(|d| d.name).collect();
        assert_eq!(
            names,
            [
                "bank_transactions.csv",
                "clickstream.csv",
                "iot_sensors.csv",
                "network_flows.csv",
                "taxi_trips.csv",
                "telecom_cdr.jsonl",
                "web_server.log"
            ]
        );
        for d in DATASETS {
            let text = d.generate();
            assert!(text.lines().count() > 500, "{}: {} lines", d.name, text.lines().count());
            assert_eq!(generate_one(d.name).as_deref(), Some(text.as_str()), "{} alone is the same", d.name);
        }
        assert_eq!(generate_one("nonesuch.csv"), None);
    }

    #[test]
    fn sensor_data_has_every_flaw_and_cleaning_recovers_the_value() {
        let v = sensor_veracity(&sensors());
        assert!(v.duplicates > 0 && v.missing > 0 && v.corrupt > 0 && v.out_of_order > 0, "{v:?}");
        assert!(v.mean_raw_c < 0.0, "corrupt -999 readings drag the raw mean below zero: {v:?}");
        assert!((20.0..25.5).contains(&v.mean_clean_c), "{v:?}");
    }
}
