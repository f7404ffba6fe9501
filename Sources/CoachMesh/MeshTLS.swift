import GRPCNIOTransportHTTP2

/// TLS of the mesh, from PEM files: what this process serves with and how it checks its peers.
/// Plaintext (no certificate, no CA) stays the default for loopback.
public struct MeshTLS: Sendable, Equatable {
    /// This process's certificate chain and private key: its gRPC port and the edge's HTTPS serve
    /// them, and it presents them as a client certificate to the roles it calls.
    public var certificateFile: String?
    public var keyFile: String?
    /// The CA that signed the mesh's certificates: this process's clients verify servers against
    /// it (and use TLS at all only when it is given); with `requireClientCertificates` its
    /// servers also require a client certificate signed by it (mTLS).
    public var caFile: String?
    public var requireClientCertificates: Bool
    /// Whether clients check that the server's certificate names the host they dialled (on by
    /// default; off for certificates that do not carry the names peers use).
    public var verifyHostname: Bool

    public init(
        certificateFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, requireClientCertificates: Bool = false,
        verifyHostname: Bool = true
    ) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.requireClientCertificates = requireClientCertificates
        self.verifyHostname = verifyHostname
    }

    /// Whether this process serves TLS.
    public var serves: Bool { certificateFile != nil && keyFile != nil }

    /// The server side of the gRPC port.
    var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        guard let certificateFile, let keyFile else { return .plaintext }
        return .tls(
            certificateChain: [.file(path: certificateFile, format: .pem)], privateKey: .file(path: keyFile, format: .pem)
        ) { config in
            if requireClientCertificates, let caFile {
                config.clientCertificateVerification = .noHostnameVerification
                config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            }
        }
    }

    /// The client side of calls to other roles: TLS when a CA is given, presenting this
    /// process's certificate when it has one.
    var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard let caFile else { return .plaintext }
        return .tls { config in
            config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            config.serverCertificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
            if let certificateFile, let keyFile {
                config.certificateChain = [.file(path: certificateFile, format: .pem)]
                config.privateKey = .file(path: keyFile, format: .pem)
            }
        }
    }
}
