//! Native throughput of the URL engine (criterion): URLs per second for a chained
//! transformation, from SDK options and from the typed builder.
//!
//! `cargo bench --bench url`

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

/// Criterion is a native-only dev-dependency; on wasm32 this bench is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use cloudinary_connector::core::url::{
        url, CropMode, DeliveryUrl, Gravity, NoSignatures, Step, Transformation, Value,
    };
    use cloudinary_connector::json;
    use criterion::{criterion_group, Criterion, Throughput};

    /// The benchmark's chained transformation, as Node SDK options (the same one the node script
    /// measures against @cloudinary/url-gen and the cloudinary npm package).
    pub const EXPECTED: &str =
    "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_400/e_sepia/r_20/f_auto/q_auto/sample";

    fn options() -> Value {
        json!({"transformation": [
            {"crop": "fill", "gravity": "auto", "width": 400, "height": 300},
            {"effect": "sepia"},
            {"radius": 20},
            {"fetch_format": "auto"},
            {"quality": "auto"},
        ]})
    }

    fn bench(c: &mut Criterion) {
        let config = json!({"cloud_name": "demo", "secure": true});
        let opts = options();
        assert_eq!(
            url("sample", &opts, &config, &NoSignatures).unwrap(),
            EXPECTED
        );
        let json = r#"{"transformation":[{"crop":"fill","gravity":"auto","width":400,"height":300},{"effect":"sepia"},{"radius":20},{"fetch_format":"auto"},{"quality":"auto"}]}"#;

        let mut g = c.benchmark_group("chained_transformation");
        g.throughput(Throughput::Elements(1));
        g.bench_function("url_from_options", |b| {
            b.iter(|| {
                url(
                    black_box("sample"),
                    black_box(&opts),
                    &config,
                    &NoSignatures,
                )
                .unwrap()
            })
        });
        let template = cloudinary_connector::core::url::UrlTemplate::new(&opts, &config).unwrap();
        g.bench_function("url_template", |b| {
            b.iter(|| template.url(black_box("sample"), &NoSignatures).unwrap())
        });
        g.bench_function("url_from_json_options", |b| {
            // What the browser facade does per call: parse the JSON.stringify'd options, then build.
            b.iter(|| {
                let o = cloudinary_connector::core::json::from_str(black_box(json)).unwrap();
                url(black_box("sample"), &o, &config, &NoSignatures).unwrap()
            })
        });
        g.bench_function("typed_builder", |b| {
            b.iter(|| {
                let t = Transformation::new()
                    .then(
                        Step::new()
                            .crop(CropMode::Fill)
                            .gravity(Gravity::Auto)
                            .width(400)
                            .height(300),
                    )
                    .then("e_sepia".parse().unwrap())
                    .then(Step::new().radius("20").unwrap())
                    .then(Step::new().format_auto())
                    .then(Step::new().quality_auto());
                DeliveryUrl::new("demo", black_box("sample"))
                    .transformation(t)
                    .to_url(&NoSignatures)
                    .unwrap()
            })
        });
        g.bench_function("parse_and_print_transformation", |b| {
            b.iter(|| {
                black_box("c_fill,g_auto,h_300,w_400/e_sepia/r_20/f_auto/q_auto")
                    .parse::<Transformation>()
                    .unwrap()
                    .to_string()
            })
        });
        g.finish();
    }

    criterion_group!(benches, bench);
}
