import Foundation
import GRPCCore
import NIOCore
import ServiceLifecycle

/// A service that listens on a port, whose failure to bind is said in the words of the setting
/// that chose the port — `--http-port 8080: cannot listen on 127.0.0.1:8080: the port is already
/// in use …` — rather than the transport's `bind(descriptor:ptr:bytes:): Address already in use
/// (errno: 98)`, which grpc-swift wraps once more. Anything else passes through unchanged.
struct Listener: Service {
    let base: any Service
    /// The flag that chose the port, e.g. `--grpc-port`.
    let setting: String
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await base.run()
        } catch {
            guard let code = Self.systemError(of: error), let reason = Self.reason(code) else { throw error }
            throw ConfigurationError("\(setting) \(port): cannot listen on \(host):\(port): \(reason)")
        }
    }

    /// The system error under `error`, looking through grpc-swift's wrappers.
    static func systemError(of error: any Error) -> CInt? {
        if let error = error as? IOError { return error.errnoCode }
        if let error = error as? RuntimeError, let cause = error.cause { return systemError(of: cause) }
        if let error = error as? RPCError, let cause = error.cause { return systemError(of: cause) }
        return nil
    }

    /// What a bind failure means to whoever started the process; nil for other errors.
    static func reason(_ code: CInt) -> String? {
        switch code {
        case EADDRINUSE: "the port is already in use (another interview-coach serve, or another server?)"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: "no network interface of this machine has that address (--host)"
        default: nil
        }
    }
}
