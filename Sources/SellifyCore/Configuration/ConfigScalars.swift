public import Foundation
public import SellifyYAML

// Validated scalar types for configuration files. Each one names what it
// expects, so a bad value reads
// `config.yaml:17:12: error: quotas.limits.messages_per_day: expected a positive integer, got "abc"`.

/// An integer > 0.
public struct PositiveInt: YAMLScalarValue, Sendable, Hashable {
    public var value: Int
    public init(_ value: Int) { self.value = value }
    public static let expectation = "a positive integer"
    public init?(yamlScalar text: String) {
        guard let value = Int(text), value > 0 else { return nil }
        self.value = value
    }
}

/// An integer ≥ 0.
public struct NonNegativeInt: YAMLScalarValue, Sendable, Hashable {
    public var value: Int
    public static let expectation = "an integer ≥ 0"
    public init?(yamlScalar text: String) {
        guard let value = Int(text), value >= 0 else { return nil }
        self.value = value
    }
}

/// A TCP port, 1…65535.
public struct Port: YAMLScalarValue, Sendable, Hashable {
    public var value: Int
    public static let expectation = "a port number between 1 and 65535"
    public init?(yamlScalar text: String) {
        guard let value = Int(text), (1...65535).contains(value) else { return nil }
        self.value = value
    }
}

/// A number in 0…1.
public struct Ratio: YAMLScalarValue, Sendable, Hashable {
    public var value: Double
    public static let expectation = "a number between 0 and 1"
    public init?(yamlScalar text: String) {
        guard let value = Double(text), value.isFinite, (0...1).contains(value) else { return nil }
        self.value = value
    }
}

/// A percentage in 0…100.
public struct Percentage: YAMLScalarValue, Sendable, Hashable {
    public var value: Double
    public static let expectation = "a percentage between 0 and 100"
    public init?(yamlScalar text: String) {
        let trimmed = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(trimmed), value.isFinite, (0...100).contains(value) else { return nil }
        self.value = value
    }
}

/// A duration written with a unit: `250ms`, `15s`, `2m`, `1h`, `1d`.
public struct ConfigDuration: YAMLScalarValue, Sendable, Hashable, CustomStringConvertible {
    public var milliseconds: Int64
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> Self { Self(milliseconds: s * 1000) }
    public static let expectation = "a duration such as 500ms, 15s, 2m or 1h"
    public init?(yamlScalar text: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard let value = Int64(number), value >= 0 else { continue }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            self.milliseconds = product
            return
        }
        return nil
    }
    public var duration: Duration { .milliseconds(milliseconds) }
    public var seconds: Double { Double(milliseconds) / 1000 }
    public var description: String {
        if milliseconds % 86_400_000 == 0 && milliseconds > 0 { return "\(milliseconds / 86_400_000)d" }
        if milliseconds % 3_600_000 == 0 && milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 && milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}

/// A byte size: `1048576`, `512KiB`, `32MiB`, `1GiB` (also `KB`/`MB`/`GB` as powers of 1000).
public struct ByteSize: YAMLScalarValue, Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
    /// `32MiB`, `512KiB` or `1000B`: the largest binary unit that divides exactly.
    public var description: String {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)B"
    }
    public static let expectation = "a size such as 65536, 512KiB or 32MiB"
    public init?(yamlScalar text: String) {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1), ("", 1),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else {
                continue
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            bytes = product
            return
        }
        return nil
    }
}

/// An IANA time zone identifier known to this machine's tz database.
public struct TimeZoneName: YAMLScalarValue, Sendable, Hashable, CustomStringConvertible {
    public var identifier: String
    public static let expectation = "an IANA time zone such as America/Mexico_City"
    public init?(yamlScalar text: String) {
        // TimeZone(identifier:) also accepts abbreviations like "EST"; an
        // operator means a region, so require an Area/Location name or UTC.
        guard text == "UTC" || text.contains("/"), TimeZone(identifier: text) != nil else { return nil }
        identifier = text
    }
    public var timeZone: TimeZone { TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)! }
    public var description: String { identifier }
}

/// An enum decoded from its raw string; a bad value lists the allowed ones.
public protocol ConfigEnum: YAMLScalarValue, CaseIterable, RawRepresentable, Sendable where RawValue == String {}
extension ConfigEnum {
    public static var expectation: String {
        "one of " + allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
    public init?(yamlScalar text: String) { self.init(rawValue: text) }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `value` when the key is absent or null.
    public func decode<T: Decodable>(_ key: Key, default value: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? value
    }
    public func decode(_ type: PositiveInt.Type, _ key: Key, default value: Int) throws -> Int {
        try decodeIfPresent(type, forKey: key)?.value ?? value
    }
    public func decode(_ type: NonNegativeInt.Type, _ key: Key, default value: Int) throws -> Int {
        try decodeIfPresent(type, forKey: key)?.value ?? value
    }
}
