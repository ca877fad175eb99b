/// Where an exporter plugin puts the exposition text. The registry and the
/// text are the host's; a sink only decides where the text goes.
public protocol ExpositionSink: Sendable {
    func write(_ exposition: String) throws(ExporterError)
}

/// An exporter that cannot start or write; the message names what and where.
public struct ExporterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
