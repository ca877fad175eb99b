import Crypto
import Foundation
import Logging
import SellifyCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reloads when the rules folder, `config.yaml` or the catalog change
/// (`rules.reload.mode`): `watch` wakes on inotify events, `poll` looks every
/// `poll_interval` (watch also looks that often, in case a watch is lost —
/// e.g. the whole folder was replaced). A change is acted on once the files
/// have been stable for `debounce`, so an editor's save (temp file + rename,
/// or truncate + write) makes exactly one reload. Editor leftovers (`.swp`,
/// `~`, `.#x`, hidden files, vim's `4913`) are not rule files and are ignored.
struct RulesWatcher: Service {
    let server: SellifyServer
    let mode: ReloadMode
    let pollInterval: Duration
    let debounce: Duration
    let rulesDirectory: String
    let otherFiles: [String]
    let logger: Logger

    func run() async throws {
        guard mode != .off else {
            // A service that returns early stops the group: wait for shutdown instead.
            try? await gracefulShutdown()
            return
        }
        var watching = watchedDirectories()
        var inotify = mode == .watch ? InotifyWaker(directories: watching) : nil
        if mode == .watch && inotify == nil {
            logger.warning("inotify is not available; watching the rules folder by polling instead")
        }
        defer { inotify?.stop() }
        var last = fingerprint()
        server.watcherScans.add(1, ordering: .relaxed)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Wait for an inotify event or the poll interval, whichever comes first.
            do {
                let waker = inotify
                try await cancelWhenGracefulShutdown {
                    if let inotify = waker {
                        await inotify.next(timeout: pollInterval)
                    } else {
                        try await Task.sleep(for: pollInterval)
                    }
                }
            } catch {
                return
            }
            var current = fingerprint()
            // Counted once this look (and any reload it leads to) is done.
            defer { server.watcherScans.add(1, ordering: .relaxed) }
            // A folder made since (`rules/shadow`, `rules/lib`) is watched from now on.
            if inotify != nil, watchedDirectories() != watching {
                watching = watchedDirectories()
                inotify?.stop()
                inotify = InotifyWaker(directories: watching)
            }
            if current == last { continue }
            logger.debug("rules files changed; waiting for them to settle", metadata: ["debounce": "\(debounce)"])
            // Debounce: act once the files stop changing.
            while true {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: debounce) }
                } catch {
                    return
                }
                let next = fingerprint()
                if next == current { break }
                current = next
            }
            last = current
            _ = try? await server.reload(trigger: "watch", logger: logger)
        }
    }

    func watchedDirectories() -> [String] {
        var directories = [rulesDirectory]
        for sub in ["lib", "tests", ShadowRules.folder] {
            let path = (rulesDirectory as NSString).appendingPathComponent(sub)
            if FileManager.default.fileExists(atPath: path) { directories.append(path) }
        }
        for file in otherFiles { directories.append((file as NSString).deletingLastPathComponent) }
        return Array(Set(directories)).sorted()
    }

    /// Whether a file name is a rule file (not an editor's temporary or backup file).
    static func isRuleFile(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("#") || name.hasSuffix("~") || name == "4913" { return false }
        for suffix in [".swp", ".swx", ".swo", ".tmp", ".bak", ".orig"] where name.hasSuffix(suffix) { return false }
        return name.hasSuffix(".lua") || name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }

    /// SHA-256 of every watched file's path and content.
    func fingerprint() -> [String: String] {
        var files: [String] = otherFiles
        if let enumerator = FileManager.default.enumerator(atPath: rulesDirectory) {
            for case let relative as String in enumerator {
                let name = (relative as NSString).lastPathComponent
                if Self.isRuleFile(name) { files.append((rulesDirectory as NSString).appendingPathComponent(relative)) }
            }
        }
        var result: [String: String] = [:]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            result[file] = APIKeyRing.hex(SHA256.hash(data: data))
        }
        return result
    }
}

/// Wakes a waiter when inotify reports a change in one of `directories`.
/// A thread blocks in poll(2) on the inotify descriptor (with a timeout, so
/// it notices `stop`) and counts events; the waiter checks the count every
/// 50 ms (a counter, not a stream: cancelling a waiter must not end anything).
final class InotifyWaker: Sendable {
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)
    private let count = Atomic<Int>(0)

    init?(directories: [String]) {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB)
        var watching = 0
        for directory in directories where inotify_add_watch(fd, directory, mask) >= 0 { watching += 1 }
        guard watching > 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        let thread = Thread { [self] in self.loop() }
        thread.name = "sellify-inotify"
        thread.start()
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while !stopped.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 250) > 0 {
                let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if read > 0 { count.add(1, ordering: .relaxed) }
            }
        }
        close(fd)
    }

    /// Returns after an event or `timeout`.
    func next(timeout: Duration) async {
        let seen = count.load(ordering: .relaxed)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if count.load(ordering: .relaxed) != seen { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
