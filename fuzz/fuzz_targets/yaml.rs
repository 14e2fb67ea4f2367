#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| trustmap_fuzz::yaml(data));
