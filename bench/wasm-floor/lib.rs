//! The floor: `https://res.cloudinary.com/<cloud>/image/upload/[<transformation>/][v1/]<id>`, with
//! percent-encoding and one error. No options object, no transformation model, no signing, no
//! analytics: whatever a real URL engine adds comes on top of this.
//! `no_std` with a trapping panic handler, as the plugin's shipped builds (src/lib.rs).
#![forbid(unsafe_code)]
#![no_std]
extern crate alloc;
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The smallest delivery URL function.
#[wasm_bindgen]
pub fn url(public_id: &str, cloud_name: &str, transformation: &str) -> Result<String, JsError> {
    if cloud_name.is_empty() {
        return Err(JsError::new("must supply cloud_name"));
    }
    let mut s = String::with_capacity(48 + public_id.len() + transformation.len());
    s.push_str("https://res.cloudinary.com/");
    s.push_str(cloud_name);
    s.push_str("/image/upload/");
    if !transformation.is_empty() {
        s.push_str(transformation);
        s.push('/');
    }
    if public_id.contains('/') {
        s.push_str("v1/");
    }
    for b in public_id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push('%');
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    Ok(s)
}
