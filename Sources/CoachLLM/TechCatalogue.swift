import CoachCore
import Foundation

/// One known technology: its spellings (first is canonical), category and official docs.
public struct BuiltinTechEntry: Sendable {
    public let names: [String]
    public let category: TechCategory
    public let docs: String?
    /// A CI/CD tool (a subset of devops).
    public let ci: Bool

    public init(_ names: [String], _ category: TechCategory, _ docs: String? = nil, ci: Bool = false) {
        self.names = names
        self.category = category
        self.docs = docs
        self.ci = ci
    }

    public var key: String { BuiltinTechCatalogue.normalize(names[0]) }
}

/// The curated technology catalogue: ~150 common names and aliases → category.
public enum BuiltinTechCatalogue {
    /// Lower-cased, without spaces, dots, dashes, underscores and slashes ("Node.js" → "nodejs").
    public static func normalize(_ name: String) -> String {
        String(
            name.lowercased().unicodeScalars
                .filter { !" \t.-_/()".unicodeScalars.contains($0) }
                .map(Character.init))
    }

    public static let entries: [BuiltinTechEntry] = [
        // Languages
        .init(["Go", "Golang"], .language, "https://go.dev/doc/"),
        .init(["Python", "Python3"], .language, "https://docs.python.org/3/"),
        .init(["Java"], .language, "https://dev.java/learn/"),
        .init(["Kotlin"], .language, "https://kotlinlang.org/docs/home.html"),
        .init(["Scala"], .language, "https://docs.scala-lang.org/"),
        .init(["JavaScript", "JS", "ECMAScript"], .language, "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Guide"),
        .init(["TypeScript", "TS"], .language, "https://www.typescriptlang.org/docs/"),
        .init(["C"], .language),
        .init(["C++", "cpp"], .language, "https://en.cppreference.com/w/"),
        .init(["C#", "csharp"], .language, "https://learn.microsoft.com/en-us/dotnet/csharp/"),
        .init(["Rust"], .language, "https://doc.rust-lang.org/book/"),
        .init(["Ruby"], .language, "https://www.ruby-lang.org/en/documentation/"),
        .init(["PHP"], .language, "https://www.php.net/docs.php"),
        .init(["Swift"], .language, "https://www.swift.org/documentation/"),
        .init(["Objective-C", "ObjC"], .language),
        .init(["Elixir"], .language, "https://hexdocs.pm/elixir/"),
        .init(["Erlang"], .language, "https://www.erlang.org/docs"),
        .init(["Haskell"], .language, "https://www.haskell.org/documentation/"),
        .init(["Clojure"], .language, "https://clojure.org/reference/documentation"),
        .init(["Dart"], .language, "https://dart.dev/guides"),
        .init(["R"], .language),
        .init(["Lua"], .language),
        .init(["Perl"], .language),
        .init(["SQL"], .language),
        .init(["Bash", "Shell", "Shell Script"], .language),
        // Frameworks and runtimes
        .init(["Spring Boot", "SpringBoot"], .framework, "https://docs.spring.io/spring-boot/index.html"),
        .init(["Spring", "Spring Framework", "Spring MVC"], .framework, "https://docs.spring.io/spring-framework/reference/"),
        .init(["Spring WebFlux", "WebFlux"], .framework, "https://docs.spring.io/spring-framework/reference/web/webflux.html"),
        .init(["JPA", "Hibernate", "Spring Data JPA"], .framework, "https://hibernate.org/orm/documentation/"),
        .init(["MyBatis"], .framework),
        .init(["Django", "Django REST Framework", "DRF"], .framework, "https://docs.djangoproject.com/en/stable/"),
        .init(["Flask"], .framework, "https://flask.palletsprojects.com/"),
        .init(["FastAPI"], .framework, "https://fastapi.tiangolo.com/"),
        .init(["Express", "Express.js", "ExpressJS"], .framework, "https://expressjs.com/"),
        .init(["NestJS", "Nest"], .framework, "https://docs.nestjs.com/"),
        .init(["Node.js", "Node", "NodeJS"], .framework, "https://nodejs.org/docs/latest/api/"),
        .init(["Next.js", "NextJS"], .framework, "https://nextjs.org/docs"),
        .init(["Nuxt", "Nuxt.js"], .framework, "https://nuxt.com/docs"),
        .init(["React", "React.js", "ReactJS"], .framework, "https://react.dev/learn"),
        .init(["React Native"], .framework, "https://reactnative.dev/docs/getting-started"),
        .init(["Vue", "Vue.js", "VueJS"], .framework, "https://vuejs.org/guide/introduction.html"),
        .init(["Angular"], .framework, "https://angular.dev/overview"),
        .init(["Svelte", "SvelteKit"], .framework, "https://svelte.dev/docs"),
        .init(["Gin"], .framework, "https://pkg.go.dev/github.com/gin-gonic/gin"),
        .init(["Echo"], .framework),
        .init(["Fiber"], .framework),
        .init(["Ruby on Rails", "Rails"], .framework, "https://guides.rubyonrails.org/"),
        .init(["Laravel"], .framework, "https://laravel.com/docs"),
        .init(["ASP.NET Core", "ASP.NET", ".NET", "dotnet"], .framework, "https://learn.microsoft.com/en-us/aspnet/core/"),
        .init(["Ktor"], .framework, "https://ktor.io/docs/"),
        .init(["Quarkus"], .framework, "https://quarkus.io/guides/"),
        .init(["Micronaut"], .framework),
        .init(["Vapor"], .framework, "https://docs.vapor.codes/"),
        .init(["Hummingbird"], .framework),
        .init(["Flutter"], .framework, "https://docs.flutter.dev/"),
        .init(["Actix", "Actix Web"], .framework),
        .init(["Axum"], .framework),
        .init(["Tokio"], .framework, "https://tokio.rs/tokio/tutorial"),
        .init(["Pandas"], .framework, "https://pandas.pydata.org/docs/"),
        .init(["NumPy"], .framework, "https://numpy.org/doc/stable/"),
        .init(["PyTorch"], .framework, "https://pytorch.org/docs/stable/index.html"),
        .init(["TensorFlow"], .framework, "https://www.tensorflow.org/guide"),
        .init(["Spark", "Apache Spark", "PySpark"], .framework, "https://spark.apache.org/docs/latest/"),
        .init(["Flink", "Apache Flink"], .framework, "https://nightlies.apache.org/flink/flink-docs-stable/"),
        // Data stores
        .init(["PostgreSQL", "Postgres", "PSQL", "PG"], .dataStore, "https://www.postgresql.org/docs/current/"),
        .init(["MySQL"], .dataStore, "https://dev.mysql.com/doc/refman/8.0/en/"),
        .init(["MariaDB"], .dataStore, "https://mariadb.com/kb/en/documentation/"),
        .init(["Oracle", "Oracle DB", "Oracle Database"], .dataStore),
        .init(["SQL Server", "MSSQL", "Microsoft SQL Server"], .dataStore),
        .init(["SQLite"], .dataStore, "https://www.sqlite.org/docs.html"),
        .init(["MongoDB", "Mongo"], .dataStore, "https://www.mongodb.com/docs/manual/"),
        .init(["Redis"], .dataStore, "https://redis.io/docs/latest/"),
        .init(["Memcached"], .dataStore),
        .init(["Cassandra", "Apache Cassandra"], .dataStore, "https://cassandra.apache.org/doc/latest/"),
        .init(["ScyllaDB"], .dataStore),
        .init(["DynamoDB", "Amazon DynamoDB"], .dataStore, "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html"),
        .init(["Elasticsearch", "Elastic Search"], .dataStore, "https://www.elastic.co/guide/en/elasticsearch/reference/current/index.html"),
        .init(["OpenSearch"], .dataStore, "https://opensearch.org/docs/latest/"),
        .init(["ClickHouse"], .dataStore, "https://clickhouse.com/docs"),
        .init(["BigQuery"], .dataStore, "https://cloud.google.com/bigquery/docs"),
        .init(["Snowflake"], .dataStore),
        .init(["Redshift", "Amazon Redshift"], .dataStore),
        .init(["Aurora", "Amazon Aurora"], .dataStore),
        .init(["Neo4j"], .dataStore),
        .init(["CockroachDB"], .dataStore),
        .init(["InfluxDB"], .dataStore),
        .init(["HBase"], .dataStore),
        .init(["Firestore"], .dataStore),
        // Messaging and async processing
        .init(["Kafka", "Apache Kafka"], .messaging, "https://kafka.apache.org/documentation/"),
        .init(["Kafka Streams"], .messaging, "https://kafka.apache.org/documentation/streams/"),
        .init(["RabbitMQ"], .messaging, "https://www.rabbitmq.com/docs"),
        .init(["Amazon SQS", "SQS", "AWS SQS"], .messaging, "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/welcome.html"),
        .init(["Amazon SNS", "SNS", "AWS SNS"], .messaging),
        .init(["Google Pub/Sub", "Pub/Sub", "Cloud Pub/Sub"], .messaging, "https://cloud.google.com/pubsub/docs"),
        .init(["NATS"], .messaging, "https://docs.nats.io/"),
        .init(["ActiveMQ"], .messaging),
        .init(["Pulsar", "Apache Pulsar"], .messaging, "https://pulsar.apache.org/docs/"),
        .init(["Redis Streams"], .messaging),
        .init(["Kinesis", "Amazon Kinesis"], .messaging),
        .init(["Celery"], .messaging, "https://docs.celeryq.dev/en/stable/"),
        .init(["Sidekiq"], .messaging),
        .init(["Debezium"], .messaging, "https://debezium.io/documentation/"),
        .init(["Airflow", "Apache Airflow"], .messaging, "https://airflow.apache.org/docs/"),
        // Cloud
        .init(["AWS", "Amazon Web Services"], .cloud, "https://docs.aws.amazon.com/"),
        .init(["GCP", "Google Cloud", "Google Cloud Platform"], .cloud, "https://cloud.google.com/docs"),
        .init(["Azure", "Microsoft Azure"], .cloud, "https://learn.microsoft.com/en-us/azure/"),
        .init(["AWS Lambda", "Lambda"], .cloud, "https://docs.aws.amazon.com/lambda/latest/dg/welcome.html"),
        .init(["EC2", "Amazon EC2"], .cloud),
        .init(["S3", "Amazon S3"], .cloud),
        .init(["ECS", "Amazon ECS"], .cloud),
        .init(["EKS", "Amazon EKS"], .cloud),
        .init(["GKE"], .cloud),
        .init(["Cloud Run"], .cloud),
        .init(["Cloudflare"], .cloud),
        .init(["Firebase"], .cloud, "https://firebase.google.com/docs"),
        .init(["Heroku"], .cloud),
        .init(["Vercel"], .cloud),
        .init(["NCP", "Naver Cloud", "Naver Cloud Platform"], .cloud),
        // DevOps
        .init(["Docker", "Docker Compose"], .devops, "https://docs.docker.com/"),
        .init(["Kubernetes", "k8s"], .devops, "https://kubernetes.io/docs/home/"),
        .init(["Helm"], .devops, "https://helm.sh/docs/"),
        .init(["Terraform"], .devops, "https://developer.hashicorp.com/terraform/docs"),
        .init(["Pulumi"], .devops),
        .init(["Ansible"], .devops, "https://docs.ansible.com/"),
        .init(["Jenkins"], .devops, "https://www.jenkins.io/doc/", ci: true),
        .init(["GitHub Actions"], .devops, "https://docs.github.com/en/actions", ci: true),
        .init(["GitLab CI", "GitLab CI/CD"], .devops, "https://docs.gitlab.com/ee/ci/", ci: true),
        .init(["CircleCI"], .devops, ci: true),
        .init(["Travis CI"], .devops, ci: true),
        .init(["Argo CD", "ArgoCD"], .devops, "https://argo-cd.readthedocs.io/en/stable/", ci: true),
        .init(["Spinnaker"], .devops, ci: true),
        .init(["Nginx"], .devops, "https://nginx.org/en/docs/"),
        .init(["Istio"], .devops, "https://istio.io/latest/docs/"),
        .init(["Envoy"], .devops),
        .init(["Git"], .devops),
        .init(["Linux"], .devops),
        .init(["Bazel"], .devops),
        // Observability
        .init(["Prometheus"], .observability, "https://prometheus.io/docs/introduction/overview/"),
        .init(["Grafana"], .observability, "https://grafana.com/docs/grafana/latest/"),
        .init(["OpenTelemetry", "OTel"], .observability, "https://opentelemetry.io/docs/"),
        .init(["Jaeger"], .observability),
        .init(["Zipkin"], .observability),
        .init(["Datadog"], .observability, "https://docs.datadoghq.com/"),
        .init(["New Relic"], .observability),
        .init(["Sentry"], .observability, "https://docs.sentry.io/"),
        .init(["ELK", "ELK Stack"], .observability),
        .init(["Kibana"], .observability),
        .init(["Logstash"], .observability),
        .init(["Loki", "Grafana Loki"], .observability),
        .init(["Fluentd", "Fluent Bit"], .observability),
        .init(["CloudWatch", "Amazon CloudWatch"], .observability),
        .init(["Splunk"], .observability),
        .init(["Pinpoint"], .observability),
        .init(["Scouter"], .observability),
        // Testing
        .init(["JUnit", "JUnit5", "JUnit 5"], .testing, "https://junit.org/junit5/docs/current/user-guide/"),
        .init(["pytest"], .testing, "https://docs.pytest.org/en/stable/"),
        .init(["Jest"], .testing, "https://jestjs.io/docs/getting-started"),
        .init(["Vitest"], .testing),
        .init(["Mocha"], .testing),
        .init(["Cypress"], .testing, "https://docs.cypress.io/"),
        .init(["Playwright"], .testing, "https://playwright.dev/docs/intro"),
        .init(["Selenium"], .testing),
        .init(["Testcontainers"], .testing, "https://testcontainers.com/"),
        .init(["Mockito"], .testing),
        .init(["testify"], .testing),
        .init(["XCTest", "Swift Testing"], .testing),
        .init(["k6"], .testing, "https://grafana.com/docs/k6/latest/"),
        .init(["JMeter", "Apache JMeter"], .testing),
        .init(["nGrinder"], .testing),
        .init(["Pact"], .testing, "https://docs.pact.io/"),
        // Security
        .init(["OAuth", "OAuth 2.0", "OAuth2"], .security, "https://oauth.net/2/"),
        .init(["JWT"], .security),
        .init(["OpenID Connect", "OIDC"], .security),
        .init(["Keycloak"], .security, "https://www.keycloak.org/documentation"),
        .init(["Vault", "HashiCorp Vault"], .security, "https://developer.hashicorp.com/vault/docs"),
        .init(["Spring Security"], .security, "https://docs.spring.io/spring-security/reference/"),
        .init(["Auth0"], .security),
        .init(["OWASP ZAP", "ZAP"], .security),
        .init(["Snyk"], .security),
        .init(["SonarQube"], .security),
        .init(["TLS", "SSL"], .security),
        // Interfaces and protocols
        .init(["gRPC"], .other, "https://grpc.io/docs/"),
        .init(["GraphQL"], .other, "https://graphql.org/learn/"),
        .init(["REST", "REST API", "RESTful API"], .other),
        .init(["WebSocket", "WebSockets"], .other, "https://developer.mozilla.org/en-US/docs/Web/API/WebSockets_API"),
        .init(["Protobuf", "Protocol Buffers"], .other, "https://protobuf.dev/"),
    ]

    public static let byKey: [String: BuiltinTechEntry] = {
        var map: [String: BuiltinTechEntry] = [:]
        for entry in entries {
            for name in entry.names where map[normalize(name)] == nil {
                map[normalize(name)] = entry
            }
        }
        return map
    }()

    /// The catalogue entry for a name as written on a resume ("Postgres 15", "k8s", "Java 17").
    public static func entry(for name: String) -> BuiltinTechEntry? {
        let key = normalize(name)
        if let entry = byKey[key] { return entry }
        // Strip a trailing version ("java17", "python3.12", "springboot3").
        let stripped = String(key.reversed().drop(while: { $0.isNumber }).reversed())
        if stripped != key, !stripped.isEmpty, let entry = byKey[stripped] { return entry }
        return nil
    }

    /// Category for a name the catalogue does not know, from its shape.
    public static func guessCategory(_ name: String) -> TechCategory? {
        let key = normalize(name)
        let cloudPrefixes = ["aws", "amazon", "gcp", "googlecloud", "azure", "cloud"]
        if cloudPrefixes.contains(where: key.hasPrefix) { return .cloud }
        if key.contains("test") { return .testing }
        if key.hasSuffix("db") || key.hasSuffix("sql") { return .dataStore }
        if key.hasSuffix("mq") { return .messaging }
        if key.contains("cicd") || key.hasSuffix("ci") { return .devops }
        return nil
    }

    /// Alternatives of a category a trade-off question can weigh a technology against.
    public static let alternatives: [TechCategory: [String]] = [
        .language: ["Go", "Java", "Python", "Kotlin", "TypeScript", "Rust"],
        .framework: ["Spring Boot", "Express", "FastAPI", "Django", "Gin", "NestJS"],
        .dataStore: ["PostgreSQL", "MySQL", "MongoDB", "DynamoDB", "Redis", "Cassandra"],
        .messaging: ["Kafka", "RabbitMQ", "Amazon SQS", "Redis Streams"],
        .cloud: ["AWS", "GCP", "Azure"],
        .devops: ["Kubernetes", "Amazon ECS", "Docker Compose", "Nomad"],
        .observability: ["Prometheus", "Datadog", "ELK", "OpenTelemetry"],
        .testing: ["pytest", "JUnit", "Jest", "Testcontainers"],
    ]
}
