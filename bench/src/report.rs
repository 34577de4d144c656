//! The tables of a benchmark's runs, and the targets they are held to.

use serde_json::{Value, json};

use crate::{Samples, bytes_of};

/// What a row's ratio is taken against: a floor of the same data, or the `oras` row of
/// the same data and operation.
pub(crate) type RatioTo<'a> = &'a dyn Fn(&str, &str, &str) -> Option<f64>;

/// The floor of an operation on `scenario`, from this run's floors: push against `put`;
/// pull against max(`get`, `hash`) (receiving and hashing every byte; the issue's
/// definition), and so are blob fetches; copy between registries against `get` +
/// `put-auth`; blob pushes against `put`.
pub(crate) fn floor_of(samples: &Samples, scenario: &str, op: &str) -> Option<f64> {
    let floor = |name: &str| samples.median(scenario, name, "floor");
    match op {
        "push" | "blob-push-file" | "blob-push-stdin" | "blob-push-stdin-digest" => floor("put"),
        // A fetch checks the digest as a pull does.
        "pull" | "blob-fetch-stdout" | "blob-fetch-file" => Some(floor("get")?.max(floor("hash")?)),
        "copy-registries" => Some(floor("get")? + floor("put-auth").or_else(|| floor("put"))?),
        _ => None,
    }
}

/// Prints the rows of `samples` (one per data, operation and way, over the runs: the
/// median, the spread, peak RSS, CPU) with `ratio` to what it is taken against; returns
/// them as JSON.
pub(crate) fn table(samples: &Samples, ratio_name: &str, ratio: RatioTo<'_>) -> Vec<Value> {
    let mut rows = Vec::new();
    println!(
        "{:<6} {:<22} {:<10} {:>8} {:>11} {:>7} {:>8} {:>7} {:>6} {:>7} {:>5}",
        "data",
        "operation",
        "via",
        "median s",
        "spread s",
        "MB/s",
        "peak MiB",
        ratio_name,
        "cpu s",
        "reg cpu",
        "busy"
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    for ((scenario, op, mode), v) in &samples.0 {
        let mut t: Vec<f64> = v.iter().map(|s| s.secs).collect();
        t.sort_by(f64::total_cmp);
        let median = t[t.len() / 2];
        let peak = v.iter().map(|s| s.rss).max().unwrap_or(0);
        // CPU of the median run: the client's, the registries', and how busy that kept
        // the machine's cores (near 100 %: the run was CPU-bound here).
        let at_median = v
            .iter()
            .find(|s| s.secs == median)
            .copied()
            .unwrap_or_default();
        let measured = at_median.cpu > 0.0 || at_median.registry_cpu > 0.0;
        let busy = (at_median.cpu + at_median.registry_cpu) / (median * cores);
        let r = ratio(scenario, op, mode).map(|against| median / against);
        let mb_s = bytes_of(scenario) as f64 / 1e6 / median;
        let dash = |show: bool, s: String| if show { s } else { "-".into() };
        println!(
            "{scenario:<6} {op:<22} {mode:<10} {median:>8.2} {:>11} {mb_s:>7.0} {:>8} {:>7} {:>6} {:>7} {:>5}",
            format!("{:.2}-{:.2}", t[0], t[t.len() - 1]),
            dash(peak > 0, format!("{:.1}", peak as f64 / 1024.0)),
            r.map_or_else(|| "-".into(), |r| format!("{r:.2}")),
            dash(measured, format!("{:.2}", at_median.cpu)),
            dash(measured, format!("{:.2}", at_median.registry_cpu)),
            dash(measured, format!("{:.0}%", busy * 100.0)),
        );
        rows.push(json!({
            "data": scenario, "operation": op, "via": mode, "runs": t.len(),
            "median_s": median, "min_s": t[0], "max_s": t[t.len() - 1],
            "mb_per_s": mb_s, "peak_rss_kib": (peak > 0).then_some(peak),
            ratio_name: r,
            "cpu_s": measured.then_some(at_median.cpu),
            "registry_cpu_s": measured.then_some(at_median.registry_cpu),
            "busy": measured.then_some(busy),
        }));
    }
    rows
}

/// Whether a side-by-side row is `oras`'s (with its default options or others).
fn is_oras(via: &str) -> bool {
    via == "oras" || via.starts_with("oras -")
}

/// One target of the issue, checked against the medians.
struct Check {
    what: String,
    value: f64,
    limit: f64,
}

/// Prints every target with its figure and whether it was met; returns them as JSON.
pub(crate) fn targets(main: &Samples, peers: &Samples) -> Vec<Value> {
    let mut checks = Vec::new();
    let mut check = |what: String, value: Option<f64>, limit: f64| {
        if let Some(value) = value {
            checks.push(Check { what, value, limit });
        }
    };
    for (scenario, op, mode) in main.0.keys() {
        let Some(m) = main.median(scenario, op, mode) else {
            continue;
        };
        let floor = floor_of(main, scenario, op);
        match op.as_str() {
            "pull" if scenario == "many" => check(
                format!("{scenario} pull ({mode}) / get"),
                main.median(scenario, "get", "floor").map(|g| m / g),
                1.15,
            ),
            "pull" => check(
                format!("{scenario} pull ({mode}) / max(get, hash)"),
                floor.map(|f| m / f),
                1.3,
            ),
            "push" => check(
                format!("{scenario} push ({mode}) / put"),
                floor.map(|f| m / f),
                1.05,
            ),
            o if o.starts_with("blob-push") => {
                check(format!("{scenario} {op} / put"), floor.map(|f| m / f), 1.10);
            }
            o if o.starts_with("blob-fetch") => {
                let get = main.median(scenario, "get", "floor");
                check(format!("{scenario} {op} / get"), get.map(|g| m / g), 1.10);
            }
            _ => {}
        }
        if mode == "cli" {
            check(
                format!("{scenario} {op}: cli / lib"),
                main.median(scenario, op, "lib").map(|l| m / l),
                1.05,
            );
        }
    }
    for (scenario, op, mode) in peers.0.keys() {
        if !is_oras(mode) || op == "push" {
            continue;
        }
        let best = peers
            .0
            .keys()
            .filter(|(s, o, m)| s == scenario && o == op && !is_oras(m))
            .filter_map(|(s, o, m)| Some((peers.median(s, o, m)?, m.clone())))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let (Some(m), Some((b, name))) = (peers.median(scenario, op, mode), best) {
            check(
                format!("{scenario} {op}: {mode} / best peer ({name})"),
                Some(m / b),
                0.75,
            );
        }
    }
    let ours = peers
        .0
        .iter()
        .filter(|(k, _)| is_oras(&k.2))
        .map(|(_, v)| v);
    let peak = main.0.values().chain(ours).flatten().map(|s| s.rss).max();
    let peak = peak.unwrap_or(0);
    check(
        "peak RSS of oras, any row (MiB)".into(),
        Some(peak as f64 / 1024.0),
        64.0,
    );
    println!("\n{:<52} {:>7} {:>7}  result", "target", "value", "limit");
    checks
        .iter()
        .map(|c| {
            let met = c.value <= c.limit;
            println!(
                "{:<52} {:>7.2} {:>7.2}  {}",
                c.what,
                c.value,
                c.limit,
                if met { "met" } else { "missed" }
            );
            json!({"target": c.what, "value": c.value, "limit": c.limit, "met": met})
        })
        .collect()
}
