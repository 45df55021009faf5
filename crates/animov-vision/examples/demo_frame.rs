//! Renders one frame of the `demo:` barn to a PNG, with its true boxes drawn.
//!
//! `cargo run -p animov-vision --example demo_frame -- OUT.png [HOUR_UTC]`

use animov_core::{analysis::Role, demo::DemoSettings};
use animov_vision::scene::DemoScene;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "demo.png".into());
    let hour: i64 = args.next().and_then(|h| h.parse().ok()).unwrap_or(7);
    let t = hour * 3_600_000;
    let mut scene = DemoScene::new(DemoSettings::for_camera(42, 0, 60), t);
    let mut f = scene.render(t);
    for _ in 0..20 {
        f = scene.render(t + 10_000);
    }
    let mut img = image::RgbImage::from_raw(f.frame.width(), f.frame.height(), f.frame.into_data())
        .expect("frame size");
    for d in &f.truth {
        let c = if d.role == Role::Standing {
            [40, 200, 60]
        } else {
            [230, 120, 20]
        };
        let (x0, y0) = (d.bbox.x as u32, d.bbox.y as u32);
        let (x1, y1) = (
            (d.bbox.x2() as u32).min(img.width() - 1),
            (d.bbox.y2() as u32).min(img.height() - 1),
        );
        for x in x0..=x1 {
            img.put_pixel(x, y0, image::Rgb(c));
            img.put_pixel(x, y1, image::Rgb(c));
        }
        for y in y0..=y1 {
            img.put_pixel(x0, y, image::Rgb(c));
            img.put_pixel(x1, y, image::Rgb(c));
        }
    }
    img.save(&out).expect("write the PNG");
    println!("{out}: {} goats", f.truth.len());
}
