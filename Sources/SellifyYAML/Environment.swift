/// Replaces `${NAME}` and `${NAME:-default}` in `text` from `environment`; `$${` is a literal `${`.
/// The default is used when the variable is unset or empty (shell semantics). Substituted values
/// are never scanned again. `report(offset, message, hint)` gets the offset of the offending `${`
/// in Unicode scalars; on an error the reference is replaced by nothing and scanning goes on.
func substituteEnvironment(
    _ text: String,
    environment: [String: String],
    report: (Int, String, String?) -> Void
) -> String {
    let bytes = Array(text.utf8)
    let dollar = UInt8(ascii: "$")
    let open = UInt8(ascii: "{")
    let close = UInt8(ascii: "}")
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 16)
    var i = 0
    func scalarOffset(_ byteIndex: Int) -> Int {
        var n = 0
        for b in bytes[0..<byteIndex] where b & 0xC0 != 0x80 { n += 1 }
        return n
    }
    while i < bytes.count {
        let b = bytes[i]
        guard b == dollar else {
            out.append(b)
            i += 1
            continue
        }
        // `$${` → literal `${`
        if i + 2 < bytes.count, bytes[i + 1] == dollar, bytes[i + 2] == open {
            out.append(dollar)
            out.append(open)
            i += 3
            continue
        }
        guard i + 1 < bytes.count, bytes[i + 1] == open else {
            out.append(b)
            i += 1
            continue
        }
        guard let end = bytes[(i + 2)...].firstIndex(of: close) else {
            report(scalarOffset(i), "unterminated '${' (missing '}')", "write $${ for a literal ${")
            out.append(contentsOf: bytes[i...])
            break
        }
        let inner = bytes[(i + 2)..<end]
        var nameBytes = inner
        var defaultBytes: ArraySlice<UInt8>?
        if let colon = inner.firstIndex(of: UInt8(ascii: ":")), colon + 1 < end, bytes[colon + 1] == UInt8(ascii: "-") {
            nameBytes = bytes[(i + 2)..<colon]
            defaultBytes = bytes[(colon + 2)..<end]
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        if !isValidVariableName(nameBytes) {
            report(
                scalarOffset(i), "invalid environment variable name '\(name)' in '${…}'",
                "names are letters, digits and '_'; write $${ for a literal ${")
        } else if let value = environment[name], !(value.isEmpty && defaultBytes != nil) {
            out.append(contentsOf: value.utf8)
        } else if let defaultBytes {
            out.append(contentsOf: defaultBytes)
        } else {
            report(
                scalarOffset(i), "environment variable '\(name)' is not set",
                "write ${\(name):-default} to give a default")
        }
        i = end + 1
    }
    return String(decoding: out, as: UTF8.self)
}

private func isValidVariableName(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard let first = bytes.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
    for b in bytes {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            continue
        default:
            return false
        }
    }
    return true
}
