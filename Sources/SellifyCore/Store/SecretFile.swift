import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Secrets created on a first start (the audit key, the generated API key's
/// hash): made so that two processes starting together can never overwrite
/// each other's file nor read a half-written one.
public enum SecretFile {
    /// Creates `path` (mode 0600, its folder 0700 if missing) holding `contents`
    /// unless it already exists. The bytes go to a temporary file in the same
    /// folder, are fsynced, then `link(2)`ed into place — which fails if the name
    /// exists, so an existing secret is never replaced. Returns false when the
    /// file already existed (read it: another process created it first).
    public static func createExclusively(_ path: String, contents: [UInt8]) throws(SecretFileError) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SecretFileError("\(path): cannot create the folder '\(folder)': \(error.localizedDescription)")
            }
        }
        let temporary = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SecretFileError("\(path): cannot create a file in '\(folder)': \(errnoText())") }
        defer { unlink(temporary) }
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == contents.count, synced == 0 else {
            throw SecretFileError("\(path): cannot write the file: \(errnoText())")
        }
        if link(temporary, path) == 0 {
            // The new name is durable once its folder is.
            let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 {
                _ = fsync(dir)
                close(dir)
            }
            return true
        }
        if errno == EEXIST { return false }
        throw SecretFileError("\(path): cannot create the file: \(errnoText())")
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

public struct SecretFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
