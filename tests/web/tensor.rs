//! GGUF Q4_K in the browser, where four sub-blocks are searched at a time in WebAssembly SIMD
//! (`tensor::ggml_x4`): held bit for bit to the transliteration of llama.cpp's reference
//! quantizer that the native tests use (`tests/it/tensor_ggml.rs`, included here).

use wasm_bindgen_test::wasm_bindgen_test;

#[path = "../it/tensor_ggml.rs"]
mod tensor_ggml;

#[wasm_bindgen_test]
fn q4_k_in_simd_matches_llama_cpp_reference_quantizer_bit_for_bit() {
    tensor_ggml::check_q4_k_against_the_reference();
}
