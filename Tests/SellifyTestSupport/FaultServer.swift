import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A provider's server of the tests' own, for what a real provider does on
/// a bad day: each request takes the next scripted behaviour (the last one
/// repeats). It answers in the dialect of Chat Completions (OpenAI) or of
/// Messages (Anthropic) and records the requests it saw.
public final class FaultServer: Sendable {
    public enum Dialect: Sendable { case chatCompletions, messages }

    public enum Behaviour: Sendable, Equatable {
        case answer(String)
        case status(Int, retryAfter: Int? = nil)
        /// The connection is closed without an answer.
        case reset
        /// No answer at all (the client's timeout ends it).
        case hang
        /// This answer, once the test calls `release()`.
        case held(String)
        case malformedJSON
        /// A well-formed answer without text: no choice (Chat Completions),
        /// no content block (Messages).
        case emptyChoices
    }

    public struct Seen: Sendable {
        public var headers: [(String, String)]
        public var body: String
        /// When the request's end arrived.
        public var at: ContinuousClock.Instant
    }

    private let script: Mutex<[Behaviour]>
    private let seen = Mutex<[Seen]>([])
    /// A request whose answer waits for `release()` (used on its channel's event loop only).
    struct Held: @unchecked Sendable {
        var handler: Handler
        var context: ChannelHandlerContext
        var text: String
    }
    private let waiting = Mutex<[Held]>([])
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    public let port: Int
    public let dialect: Dialect

    public init(_ script: [Behaviour], dialect: Dialect = .chatCompletions) throws {
        self.script = Mutex(script)
        self.dialect = dialect
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = Handler.Box()
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    deinit {
        let (channel, group) = (self.channel, self.group)
        guard !channel.eventLoop.inEventLoop else {
            // The last reference was a handler's, answering a request: the loop
            // cannot wait on itself, so it is shut down from another thread.
            channel.close(promise: nil)
            DispatchQueue.global().async { try? group.syncShutdownGracefully() }
            return
        }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    public var requests: [Seen] { seen.withLock { $0 } }

    public func replace(_ script: [Behaviour]) { self.script.withLock { $0 = script } }

    /// Requests waiting on `held` behaviours.
    public var held: Int { waiting.withLock { $0.count } }

    /// Answers every request held so far.
    public func release() {
        let held = waiting.withLock { list in
            defer { list = [] }
            return list
        }
        for request in held {
            request.context.eventLoop.execute {
                request.handler.respond(.answer(request.text), context: request.context)
            }
        }
    }

    fileprivate func hold(_ handler: Handler, _ context: ChannelHandlerContext, _ text: String) {
        let request = Held(handler: handler, context: context, text: text)
        waiting.withLock { $0.append(request) }
    }

    fileprivate func next(_ request: Seen) -> Behaviour {
        seen.withLock { $0.append(request) }
        return script.withLock { script in script.count > 1 ? script.removeFirst() : script[0] }
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        final class Box: @unchecked Sendable { weak var server: FaultServer? }
        let box: Box
        var headers: [(String, String)] = []
        var body = ""
        init(server: Box) { box = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                headers = head.headers.map { ($0.name, $0.value) }
                body = ""
            case .body(var buffer):
                body += buffer.readString(length: buffer.readableBytes) ?? ""
            case .end:
                guard let server = box.server else { return }
                respond(server.next(Seen(headers: headers, body: body, at: .now)), context: context)
            }
        }

        func respond(_ behaviour: Behaviour, context: ChannelHandlerContext) {
            func send(_ status: Int, _ text: String, extra: [(String, String)] = []) {
                var headers = HTTPHeaders([
                    ("Content-Type", "application/json"), ("Content-Length", "\(text.utf8.count)"),
                ])
                for (name, value) in extra { headers.add(name: name, value: value) }
                let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
            let messages = box.server?.dialect == .messages
            switch behaviour {
            case .answer(let text):
                let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "\"", with: "\\\"")
                send(
                    200,
                    messages
                        ? #"{"type":"message","role":"assistant","model":"fault-model","content":[{"type":"text","text":"\#(escaped)"}],"stop_reason":"end_turn","usage":{"input_tokens":42,"output_tokens":7}}"#
                        : #"{"model":"fault-model","choices":[{"message":{"role":"assistant","content":"\#(escaped)"}}],"usage":{"prompt_tokens":42,"completion_tokens":7}}"#
                )
            case .status(let status, let retryAfter):
                send(
                    status,
                    messages
                        ? #"{"type":"error","error":{"type":"scripted_error","message":"scripted \#(status)"}}"#
                        : #"{"error":{"message":"scripted \#(status)"}}"#,
                    extra: retryAfter.map { [("Retry-After", "\($0)")] } ?? [])
            case .reset:
                context.close(promise: nil)
            case .hang:
                break
            case .held(let text):
                box.server?.hold(self, context, text)
            case .malformedJSON:
                send(200, "{not json")
            case .emptyChoices:
                send(
                    200,
                    messages
                        ? #"{"type":"message","model":"fault-model","content":[]}"#
                        : #"{"model":"fault-model","choices":[]}"#)
            }
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
