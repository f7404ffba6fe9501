import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The gRPC client type every role uses to reach another role.
public typealias MeshClient = GRPCClient<MeshClientTransport>

/// The transport under `MeshClient`.
public typealias MeshClientTransport = HTTP2ClientTransport.Posix

/// HTTP/2 plaintext transports between roles.
public enum MeshTransport {
    /// A client that balances calls round robin over `addresses` (hostnames are resolved once,
    /// here; a balancer skips addresses it cannot connect to).
    /// `interceptors` run on every call (the CLI's key); `tls` secures the connections.
    public static func client(
        addresses: [ServiceAddress], interceptors: [any ClientInterceptor] = [], tls: MeshTLS = MeshTLS()
    ) throws -> MeshClient {
        let target: any ResolvableTarget
        if addresses.count == 1, !isIPv4Literal(addresses[0].host) {
            // One name: let the DNS resolver follow it (it re-resolves on reconnect).
            target = .dns(host: addresses[0].host, port: addresses[0].port)
        } else {
            let pairs = try addresses.map { address in
                guard let ip = resolveIPv4(address.host) else {
                    throw AddressError(message: "cannot resolve host '\(address.host)'")
                }
                return (host: ip, port: address.port)
            }
            target = .ipv4(pairs: pairs)
        }
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // Reconnect quickly when an upstream restarts.
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        let transport = try HTTP2ClientTransport.Posix(
            target: target, transportSecurity: tls.clientSecurity, config: config,
            serviceConfig: ServiceConfig(loadBalancingConfig: [.roundRobin]))
        return GRPCClient(transport: transport, interceptors: interceptors)
    }

    /// Concurrent calls one client connection may have open on a server. Left unset, HTTP/2
    /// (swift-nio-http2) allows 100, and the edge opens one long-lived WatchTask call per SSE
    /// client over a single connection: the 101st browser waited until a stream ended
    /// (bench/README.md, SSE fan-out).
    public static let maxConcurrentStreamsPerConnection = 65_536

    /// The largest request message a server accepts: the REST body limit (`ResumeLimits.maxBodyBytes`),
    /// so gRPC clients cannot send what REST refuses (a resume's protobuf form is smaller than its
    /// JSON). `MessageSizeInterceptor` answers RESOURCE_EXHAUSTED past it; the transport reads at
    /// most `maxTransportMessageBytes` (beyond that it resets the stream).
    public static let maxRequestMessageBytes = 256 * 1024
    public static let maxTransportMessageBytes = 1024 * 1024

    /// A server transport bound to `host:port` (port 0 picks a free one).
    public static func server(host: String, port: Int, tls: MeshTLS = MeshTLS()) -> HTTP2ServerTransport.Posix {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.maxConcurrentStreams = maxConcurrentStreamsPerConnection
        config.rpc.maxRequestPayloadSize = maxTransportMessageBytes
        // A connection with no call open for this long is closed (idle clients hold nothing).
        config.connection.maxIdleTime = .seconds(15 * 60)
        return HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: tls.serverSecurity, config: config)
    }

    static func isIPv4Literal(_ host: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1
    }

    /// The dotted IPv4 form of `host` (a literal, or a name resolved through the system).
    static func resolveIPv4(_ host: String) -> String? {
        if isIPv4Literal(host) { return host }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let sockaddr = first.pointee.ai_addr else { return nil }
        var ipv4 = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(INET_ADDRSTRLEN)) != nil else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
