#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| animov_fuzz::model_sidecar(data));
