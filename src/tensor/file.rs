//! Tensor files read from their bytes: the header of a `.safetensors` file (Hugging Face's format:
//! an 8-byte little-endian header length, a JSON header, then the raw data), the header of a NumPy
//! `.npy` file (NEP 1, format versions 1 to 3), and the elements of one tensor decoded to `f64`.
//! Only the header is needed to list a file's tensors, so a multi-gigabyte checkpoint is never read
//! whole: the caller reads the byte range of the tensor chosen, in slices, and decodes each slice.

use core::fmt;

use serde_json::Value;

use crate::formats::Format;

/// The element types read. Names as the safetensors header writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    F64,
    F32,
    F16,
    BF16,
    /// float8_e4m3fn (OCP E4M3: no infinity, NaN at 0x7f/0xff).
    F8E4M3,
    /// float8_e5m2 (OCP E5M2, IEEE-like).
    F8E5M2,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F16 | Dtype::BF16 | Dtype::I16 | Dtype::U16 => 2,
            Dtype::F8E4M3 | Dtype::F8E5M2 | Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// The safetensors name.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F64 => "F64",
            Dtype::F32 => "F32",
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::F8E4M3 => "F8_E4M3",
            Dtype::F8E5M2 => "F8_E5M2",
            Dtype::I64 => "I64",
            Dtype::I32 => "I32",
            Dtype::I16 => "I16",
            Dtype::I8 => "I8",
            Dtype::U64 => "U64",
            Dtype::U32 => "U32",
            Dtype::U16 => "U16",
            Dtype::U8 => "U8",
            Dtype::Bool => "BOOL",
        }
    }

    const ALL: [Dtype; 15] = [
        Dtype::F64,
        Dtype::F32,
        Dtype::F16,
        Dtype::BF16,
        Dtype::F8E4M3,
        Dtype::F8E5M2,
        Dtype::I64,
        Dtype::I32,
        Dtype::I16,
        Dtype::I8,
        Dtype::U64,
        Dtype::U32,
        Dtype::U16,
        Dtype::U8,
        Dtype::Bool,
    ];

    /// A number for the type (its place in the list of types), for messages between threads.
    pub fn code(self) -> u8 {
        Dtype::ALL.iter().position(|&d| d == self).unwrap_or(0) as u8
    }

    /// The type of [`Dtype::code`].
    pub fn from_code(code: u8) -> Option<Dtype> {
        Dtype::ALL.get(usize::from(code)).copied()
    }

    /// The type a safetensors name names.
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// Byte order of the stored elements (safetensors: always little-endian; `.npy` says which).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    Little,
    Big,
}

/// One tensor of a file: where its bytes are and what they hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    /// `None` for an element type this reader lists but does not read (its name in `dtype_name`).
    pub dtype: Option<Dtype>,
    pub dtype_name: String,
    pub endian: Endian,
    pub shape: Vec<u64>,
    /// Absolute byte offset of the first element in the file (in the inflated member when
    /// `deflated`).
    pub offset: u64,
    /// Bytes of data.
    pub bytes: u64,
    /// For an array of a compressed `.npz`: where its deflated bytes are in the file.
    pub deflated: Option<Deflated>,
}

/// A deflated `.npz` member's place in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deflated {
    /// Offset of the first compressed byte.
    pub start: u64,
    /// Compressed bytes.
    pub compressed: u64,
}

impl TensorInfo {
    /// Elements: the product of the shape (1 for a scalar).
    pub fn elements(&self) -> u64 {
        self.shape.iter().product()
    }
}

/// Why a file could not be read, as a sentence for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError(pub String);

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, FileError> {
    Err(FileError(message.into()))
}

/// The largest header accepted (the `safetensors` crate's own limit, `MAX_HEADER_SIZE`).
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// The length of a safetensors header, from the file's first 8 bytes and its size.
pub fn safetensors_header_len(first: &[u8], file_len: u64) -> Result<u64, FileError> {
    let Some(bytes) = first.get(..8) else {
        return fail("This file is shorter than a safetensors header (8 bytes).");
    };
    let mut le = [0u8; 8];
    le.copy_from_slice(bytes);
    let n = u64::from_le_bytes(le);
    if n > MAX_HEADER_BYTES || n > file_len.saturating_sub(8) {
        return fail(format!(
            "The header length ({n} bytes) does not fit this {file_len}-byte file: it is not a \
             safetensors file, or it is truncated."
        ));
    }
    Ok(n)
}

/// The tensors a safetensors header lists, checked against the file's size: offsets within the
/// data, no overlaps, and each tensor's bytes equal to its elements times its element size.
/// `header` is the JSON text after the 8-byte length.
pub fn safetensors_tensors(header: &[u8], file_len: u64) -> Result<Vec<TensorInfo>, FileError> {
    let data_start = 8 + header.len() as u64;
    let value: Value = serde_json::from_slice(header).map_err(|e| {
        FileError(format!(
            "The header is not valid JSON ({e}): the file is corrupt."
        ))
    })?;
    let Value::Object(map) = value else {
        return fail("The header is not a JSON object: the file is corrupt.");
    };
    // The caller read the header from this file, so this is its data's length.
    let data_len = file_len.saturating_sub(data_start);
    let mut out = Vec::new();
    for (name, entry) in &map {
        if name == "__metadata__" {
            continue;
        }
        let shown: String = name.chars().take(80).collect();
        let bad = |what: &str| {
            FileError(format!(
                "Tensor \"{shown}\": {what}; the header is corrupt."
            ))
        };
        let dtype_name = entry
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no dtype"))?
            .to_string();
        let shape = entry
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(Value::as_u64)
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| bad("a shape that is not a list of sizes"))?;
        let offsets = entry
            .get("data_offsets")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)))
            .ok_or_else(|| bad("no data_offsets [begin, end]"))?;
        let (begin, end) = offsets;
        if begin > end || end > data_len {
            return Err(FileError(format!(
                "Tensor \"{shown}\": its bytes {begin}..{end} lie outside the {data_len} bytes of \
                 data: the file is truncated or corrupt."
            )));
        }
        let dtype = Dtype::from_name(&dtype_name);
        let elements = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| bad("a shape too large to count"))?;
        if let Some(d) = dtype {
            if elements.checked_mul(d.size()) != Some(end - begin) {
                return Err(bad(&format!(
                    "{} elements of {} bytes do not make its {} bytes",
                    elements,
                    d.size(),
                    end - begin
                )));
            }
        }
        out.push(TensorInfo {
            deflated: None,
            name: name.clone(),
            dtype,
            dtype_name,
            endian: Endian::Little,
            shape,
            offset: data_start + begin,
            bytes: end - begin,
        });
    }
    out.sort_by_key(|t| t.offset);
    for pair in out.windows(2) {
        if pair[0].offset + pair[0].bytes > pair[1].offset {
            return fail(format!(
                "Tensors \"{}\" and \"{}\" overlap: the header is corrupt.",
                pair[0].name.chars().take(80).collect::<String>(),
                pair[1].name.chars().take(80).collect::<String>()
            ));
        }
    }
    Ok(out)
}

/// The magic string that starts every `.npy` file.
pub const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// The bytes of a `.npy` header, from the file's first 10 (or 12) bytes: (header length, where the
/// header text starts).
pub fn npy_header_len(first: &[u8]) -> Result<(u64, u64), FileError> {
    if first.len() < 10 || &first[..6] != NPY_MAGIC {
        return fail("This is not a NumPy .npy file (it does not start with \\x93NUMPY).");
    }
    match first[6] {
        1 => Ok((u64::from(u16::from_le_bytes([first[8], first[9]])), 10)),
        2 | 3 if first.len() >= 12 => Ok((
            u64::from(u32::from_le_bytes([
                first[8], first[9], first[10], first[11],
            ])),
            12,
        )),
        v => fail(format!(
            "NumPy .npy format version {v} is not one this reader knows (1 to 3)."
        )),
    }
}

/// The one tensor of a `.npy` file, from its header text (a Python dict literal: `descr`,
/// `fortran_order`, `shape`). The element order does not matter to the statistics, so Fortran
/// order is accepted as is.
pub fn npy_tensor(header: &str, data_start: u64, file_len: u64) -> Result<TensorInfo, FileError> {
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))?;
        let rest = &header[at + key.len() + 2..];
        Some(rest.trim_start().strip_prefix(':')?.trim_start())
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| FileError("The .npy header has no 'descr': the file is corrupt.".into()))?;
    let shape_text = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| FileError("The .npy header has no 'shape': the file is corrupt.".into()))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().ok())
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| FileError("The .npy shape is not a tuple of sizes.".into()))?;
    let (endian, code) = match descr.split_at_checked(1) {
        Some(("<", c)) => (Endian::Little, c),
        Some((">", c)) => (Endian::Big, c),
        Some(("|" | "=", c)) => (Endian::Little, c),
        _ => {
            return fail(format!(
                "The .npy element type '{descr}' is not one this reader knows."
            ))
        }
    };
    let dtype = match code {
        "f8" => Some(Dtype::F64),
        "f4" => Some(Dtype::F32),
        "f2" => Some(Dtype::F16),
        "i8" => Some(Dtype::I64),
        "i4" => Some(Dtype::I32),
        "i2" => Some(Dtype::I16),
        "i1" => Some(Dtype::I8),
        "u8" => Some(Dtype::U64),
        "u4" => Some(Dtype::U32),
        "u2" => Some(Dtype::U16),
        "u1" => Some(Dtype::U8),
        "b1" => Some(Dtype::Bool),
        _ => None,
    };
    let elements = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| FileError("The .npy shape is too large to count.".into()))?;
    let size = dtype.map_or(0, Dtype::size);
    let bytes = elements
        .checked_mul(size)
        .ok_or_else(|| FileError("The .npy shape is too large to count.".into()))?;
    if dtype.is_some() && data_start.saturating_add(bytes) > file_len {
        return fail(format!(
            "The .npy header promises {bytes} bytes of data but the file has {}: it is truncated.",
            file_len.saturating_sub(data_start)
        ));
    }
    Ok(TensorInfo {
        deflated: None,
        name: "array".to_string(),
        dtype,
        dtype_name: descr.to_string(),
        endian,
        shape,
        offset: data_start,
        bytes,
    })
}

/// Decodes whole elements of `dtype` from `bytes` (a slice of a tensor's data, starting on an
/// element boundary) and appends them to `out`; a trailing partial element is left alone. Every
/// element becomes its exact value as an `f64` (64-bit integers beyond 2^53 round to nearest).
pub fn decode(dtype: Dtype, endian: Endian, bytes: &[u8], out: &mut Vec<f64>) {
    // One loop per type (the type is matched once, not per element).
    match dtype {
        Dtype::F64 => each(bytes, endian, out, f64::from_le_bytes),
        Dtype::F32 => each(bytes, endian, out, |b| f64::from(f32::from_le_bytes(b))),
        Dtype::F16 => each(bytes, endian, out, |b| half::f16::from_le_bytes(b).to_f64()),
        Dtype::BF16 => each(bytes, endian, out, |b| {
            half::bf16::from_le_bytes(b).to_f64()
        }),
        Dtype::F8E4M3 | Dtype::F8E5M2 => {
            let table = byte_table(if dtype == Dtype::F8E4M3 {
                "e4m3fn"
            } else {
                "e5m2"
            });
            each(bytes, endian, out, |[b]: [u8; 1]| table[b as usize]);
        }
        Dtype::I64 => each(bytes, endian, out, |b| i64::from_le_bytes(b) as f64),
        Dtype::I32 => each(bytes, endian, out, |b| f64::from(i32::from_le_bytes(b))),
        Dtype::I16 => each(bytes, endian, out, |b| f64::from(i16::from_le_bytes(b))),
        Dtype::I8 => each(bytes, endian, out, |[b]: [u8; 1]| f64::from(b as i8)),
        Dtype::U64 => each(bytes, endian, out, |b| u64::from_le_bytes(b) as f64),
        Dtype::U32 => each(bytes, endian, out, |b| f64::from(u32::from_le_bytes(b))),
        Dtype::U16 => each(bytes, endian, out, |b| f64::from(u16::from_le_bytes(b))),
        Dtype::U8 => each(bytes, endian, out, |[b]: [u8; 1]| f64::from(b)),
        Dtype::Bool => each(bytes, endian, out, |[b]: [u8; 1]| {
            f64::from(u8::from(b != 0))
        }),
    }
}

/// Decodes each whole `N`-byte element of `bytes` with `value` (which reads little-endian bytes).
fn each<const N: usize>(
    bytes: &[u8],
    endian: Endian,
    out: &mut Vec<f64>,
    value: impl Fn([u8; N]) -> f64,
) {
    out.extend(bytes.chunks_exact(N).map(|chunk| {
        let mut b = [0u8; N];
        b.copy_from_slice(chunk);
        if endian == Endian::Big {
            b.reverse();
        }
        value(b)
    }));
}

/// The 256 values of an 8-bit catalogue format, by code.
fn byte_table(id: &str) -> Vec<f64> {
    match id.parse::<Format>() {
        Ok(format) => (0..256u64).map(|code| format.decode(code)).collect(),
        Err(_) => vec![f64::NAN; 256],
    }
}

/// One member of a `.npz` archive (a ZIP file of `.npy` files, as `numpy.savez` writes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    /// 0: stored; 8: deflated (`numpy.savez_compressed`, read through [`Inflater`]).
    pub method: u16,
    /// Bytes of the member once inflated (its `.npy`).
    pub size: u64,
    /// Bytes of the member in the archive.
    pub compressed: u64,
    /// Offset of the member's local header.
    pub local_offset: u64,
}

fn le16(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 4)?;
    Some(u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A 32-bit ZIP field that says "see the ZIP64 record" (APPNOTE.TXT 4.4.8, 4.5.3).
const ZIP64_MARK: u64 = 0xffff_ffff;

/// The ZIP magic that starts a `.npz` file.
pub const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Where the central directory is (offset, size), from the last bytes of the file (`tail`, up to
/// 64 KiB + 22, ending at the end of the file). A ZIP64 archive (over 4 GiB, PKWARE's
/// APPNOTE.TXT 4.3.14-4.3.15) keeps them in its ZIP64 end record, found through the locator
/// just before the end record.
pub fn zip_directory(tail: &[u8], file_len: u64) -> Result<(u64, u64), FileError> {
    let end = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| {
            FileError("This .npz has no ZIP directory: it is truncated or not a ZIP.".into())
        })?;
    let read = |at| {
        le32(tail, end + at).ok_or_else(|| FileError("The ZIP directory is cut short.".into()))
    };
    let (mut size, mut offset) = (read(12)?, read(16)?);
    if size == ZIP64_MARK || offset == ZIP64_MARK {
        (size, offset) = zip64_directory(tail, end, file_len)?;
    }
    if offset.saturating_add(size) > file_len {
        return fail("The ZIP directory points past the end of the file: it is truncated.");
    }
    Ok((offset, size))
}

/// The directory's (size, offset) from a ZIP64 end record; `end` is where the classic end
/// record starts in `tail`.
fn zip64_directory(tail: &[u8], end: usize, file_len: u64) -> Result<(u64, u64), FileError> {
    let bad = || FileError("This .npz's ZIP64 records are missing or corrupt.".into());
    let locator = end.checked_sub(20).ok_or_else(bad)?;
    if le32(tail, locator) != Some(0x0706_4b50) {
        return Err(bad());
    }
    let record = le64(tail, locator + 8).ok_or_else(bad)?;
    let tail_start = file_len - tail.len() as u64;
    let at = usize::try_from(record.checked_sub(tail_start).ok_or_else(bad)?).map_err(|_| bad())?;
    if le32(tail, at) != Some(0x0606_4b50) {
        return Err(bad());
    }
    Ok((
        le64(tail, at + 40).ok_or_else(bad)?,
        le64(tail, at + 48).ok_or_else(bad)?,
    ))
}

/// The members listed in a ZIP central directory (ZIP64 sizes and offsets included).
pub fn zip_entries(directory: &[u8]) -> Result<Vec<ZipEntry>, FileError> {
    let bad = || FileError("The ZIP directory is corrupt.".into());
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 46 <= directory.len() {
        if le32(directory, at) != Some(0x0201_4b50) {
            return Err(bad());
        }
        let method = le16(directory, at + 10).ok_or_else(bad)? as u16;
        let mut compressed = le32(directory, at + 20).ok_or_else(bad)?;
        let mut size = le32(directory, at + 24).ok_or_else(bad)?;
        let name_len = le16(directory, at + 28).ok_or_else(bad)? as usize;
        let extra = le16(directory, at + 30).ok_or_else(bad)? as usize;
        let comment = le16(directory, at + 32).ok_or_else(bad)? as usize;
        let mut local_offset = le32(directory, at + 42).ok_or_else(bad)?;
        let name = directory.get(at + 46..at + 46 + name_len).ok_or_else(bad)?;
        let extras = directory
            .get(at + 46 + name_len..at + 46 + name_len + extra)
            .ok_or_else(bad)?;
        // The ZIP64 extra field (id 1) holds, in this order, each field marked 0xffffffff.
        let mut x = 0;
        while x + 4 <= extras.len() {
            let (id, len) = (
                le16(extras, x).ok_or_else(bad)?,
                le16(extras, x + 2).ok_or_else(bad)?,
            );
            if id == 1 {
                let mut field = x + 4;
                for value in [&mut size, &mut compressed, &mut local_offset] {
                    if *value == ZIP64_MARK {
                        *value = le64(extras, field).ok_or_else(bad)?;
                        field += 8;
                    }
                }
            }
            x += 4 + len as usize;
        }
        if [size, compressed, local_offset].contains(&ZIP64_MARK) {
            return Err(bad());
        }
        out.push(ZipEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            size,
            compressed,
            local_offset,
        });
        at += 46 + name_len + extra + comment;
    }
    Ok(out)
}

/// Where a member's data starts, from its local header (the first 30 bytes at its offset).
pub fn zip_data_start(local: &[u8], local_offset: u64) -> Result<u64, FileError> {
    let bad = || FileError("A ZIP member's header is corrupt.".into());
    if le32(local, 0) != Some(0x0403_4b50) {
        return Err(bad());
    }
    let name_len = le16(local, 26).ok_or_else(bad)?;
    let extra = le16(local, 28).ok_or_else(bad)?;
    Ok(local_offset + 30 + name_len + extra)
}

/// Inflates a deflated ZIP member (raw DEFLATE, RFC 1951) a slice at a time, through
/// `miniz_oxide`'s streaming inflater: a compressed member of any size in constant memory.
pub struct Inflater {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    done: bool,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            state: miniz_oxide::inflate::stream::InflateState::new_boxed(
                miniz_oxide::DataFormat::Raw,
            ),
            done: false,
        }
    }
}

impl Inflater {
    /// Inflates the next compressed bytes, appending what they give to `out`.
    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), FileError> {
        use miniz_oxide::inflate::stream::inflate;
        use miniz_oxide::{MZFlush, MZStatus};
        let mut buffer = [0u8; 32 * 1024];
        while !self.done {
            let r = inflate(&mut self.state, input, &mut buffer, MZFlush::None);
            input = &input[r.bytes_consumed..];
            out.extend_from_slice(&buffer[..r.bytes_written]);
            let stuck = r.bytes_consumed == 0 && r.bytes_written == 0;
            match r.status {
                Ok(MZStatus::StreamEnd) => self.done = true,
                Ok(_) if input.is_empty() && r.bytes_written < buffer.len() => break,
                Ok(_) if stuck => break,
                Ok(_) => {}
                // More input needed, none given: wait for the next slice.
                Err(miniz_oxide::MZError::Buf) if input.is_empty() => break,
                Err(_) => return fail("A compressed array of this .npz is corrupt."),
            }
        }
        Ok(())
    }
}
