//! JSON text as understudy writes answers and stored objects: serde_json's compact form,
//! except that an integral number too large for 64 bits (which serde_json keeps as a float)
//! is written in digits, never in exponent form: `3075247173807758799460630528`, not
//! `3.075247173807759e27`, which readers such as Python's take for a float and refuse where
//! the schema says `integer`. Both texts are the same JSON number.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// serde_json's compact formatter, but for large integral floats.
struct Digits;

impl Formatter for Digits {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        // From 1e16 on, serde_json (ryu) writes an exponent; below, integral floats keep
        // their `.0`, as before.
        if value.is_finite() && value.fract() == 0.0 && value.abs() >= 1e16 {
            write!(writer, "{value:.0}")
        } else {
            CompactFormatter.write_f64(writer, value)
        }
    }
}

pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(writer, Digits))
}

pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Vec<u8> {
    // As serde_json's own `to_vec`: most answers and objects fit without growing it.
    let mut out = Vec::with_capacity(128);
    // Writing into a Vec cannot fail; a value that does not serialise writes nothing.
    let _ = to_writer(&mut out, value);
    out
}

pub fn to_string<T: ?Sized + Serialize>(value: &T) -> String {
    String::from_utf8(to_vec(value)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn an_integer_beyond_64_bits_is_written_in_digits_and_reads_back_the_same() {
        let value: serde_json::Value =
            serde_json::from_str("[3075247173807758799460630528, -4.8e24, 1.5, 7, 2.0]").unwrap();
        let text = super::to_string(&value);
        assert_eq!(
            text,
            "[3075247173807758799460630528,-4800000000000000134217728,1.5,7,2.0]"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert_eq!(super::to_string(&json!({"a": 1e300})).len(), 307);
    }
}
