import CoachCore
import CoachLLM
import Foundation

/// One language's wording of a learning topic. `{tech}` is the candidate's spelling of the
/// technology; gap topics also use `{tool}` (what the gap is filled with).
struct BuiltinTopicText: Sendable {
    let title: String
    /// What to learn and the outcome.
    let description: String
    /// 2–4 resources.
    let resources: [String]
}

/// A curated topic that deepens a technology the candidate already uses.
struct BuiltinLearningTopic: Sendable {
    let id: String
    /// Catalogue keys (`BuiltinTechEntry.key`) of the technologies this topic deepens.
    let techKeys: [String]
    /// Lower-case words matched against focus areas and the target role.
    let keywords: [String]
    let hours: Int
    /// Official documentation.
    let link: String
    let ko: BuiltinTopicText
    let en: BuiltinTopicText

    func text(_ language: Language) -> BuiltinTopicText { language == .ko ? ko : en }
}

/// Gaps a resume can show for its level.
enum BuiltinGap: String, Sendable, CaseIterable {
    case observability, testing, security, dataModelling, cloud, cicd, containers, messaging
    /// Always-available next steps when few real gaps exist.
    case slo, loadTesting, designDocs
}

/// A way to fill a gap, chosen by the candidate's technologies (the first matching variant; the
/// last one has no keys and is the default).
struct BuiltinGapVariant: Sendable {
    let techKeys: [String]
    let tool: String
    let link: String
}

/// A curated topic that fills a gap, with the analysis sentence that names it.
struct BuiltinGapTopic: Sendable {
    let gap: BuiltinGap
    let keywords: [String]
    let hours: Int
    let variants: [BuiltinGapVariant]
    let ko: BuiltinTopicText
    let en: BuiltinTopicText
    /// "{techs} 서비스에 모니터링 도구가 없음": cites the candidate's technologies.
    let analysisKo: String
    let analysisEn: String
    /// Why the gap matters at this stage.
    let whyKo: String
    let whyEn: String

    func text(_ language: Language) -> BuiltinTopicText { language == .ko ? ko : en }
}

enum BuiltinLearningCatalogue {
    static let strengthTopics: [BuiltinLearningTopic] = dataTopics + codeTopics + platformTopics

    /// Strength topics per catalogue key, in catalogue order.
    static let strengthTopicsByKey: [String: [BuiltinLearningTopic]] = {
        var map: [String: [BuiltinLearningTopic]] = [:]
        for topic in strengthTopics {
            for key in topic.techKeys { map[key, default: []].append(topic) }
        }
        return map
    }()

    static func topic(
        _ id: String, _ techKeys: [String], keywords: [String], hours: Int, link: String,
        ko: (String, String, [String]), en: (String, String, [String])
    ) -> BuiltinLearningTopic {
        BuiltinLearningTopic(
            id: id, techKeys: techKeys.map(BuiltinTechCatalogue.normalize), keywords: keywords, hours: hours, link: link,
            ko: BuiltinTopicText(title: ko.0, description: ko.1, resources: ko.2),
            en: BuiltinTopicText(title: en.0, description: en.1, resources: en.2))
    }

    /// Deepens any catalogued technology through its official documentation.
    static func genericStrength(docs: String) -> BuiltinLearningTopic {
        topic(
            "generic.docs", [], keywords: [], hours: 14, link: docs,
            ko: (
                "{tech} 심화: 내부 동작과 운영 노하우",
                "{tech} 공식 문서에서 내부 동작, 설정 옵션, 장애·성능 관련 장을 정리하고, 기존 프로젝트에 적용할 개선 두 가지를 골라 실제로 적용해 봅니다. 결과: {tech:을} '써 봤다'가 아니라 '왜 그렇게 동작하는지' 설명할 수 있게 됩니다.",
                ["{tech} 공식 문서", "{tech} 공식 릴리스 노트와 변경 이력"]),
            en: (
                "Deepen {tech}: internals and operational know-how",
                "Work through the internals, configuration and failure/performance chapters of the official {tech} documentation, then apply two improvements to an existing project. Outcome: you can explain why {tech} behaves as it does, not just that you used it.",
                ["Official {tech} documentation", "{tech} release notes and changelog"]))
    }

    /// Last-resort strengths that fit any technology.
    static let fallbackStrengths: [BuiltinLearningTopic] = [
        topic(
            "fallback.c4", [], keywords: ["architecture", "아키텍처", "system design", "시스템 설계", "documentation"],
            hours: 8, link: "https://c4model.com/",
            ko: (
                "{tech} 기반 시스템 설계를 C4 모델로 문서화",
                "C4 모델(컨텍스트·컨테이너·컴포넌트)로 {tech:을} 쓴 시스템의 구조와 데이터 흐름을 그리고, 주요 설계 결정을 한 페이지로 정리합니다. 결과: 면접에서 아키텍처를 2분 안에 명확하게 설명할 수 있습니다.",
                ["C4 model 공식 사이트", "Simon Brown: The C4 model for visualising software architecture"]),
            en: (
                "Document your {tech} system design with the C4 model",
                "Draw the context, containers and components of the system built with {tech} using the C4 model, and summarise its key design decisions on one page. Outcome: you can explain the architecture clearly in two minutes.",
                ["C4 model website", "Simon Brown: The C4 model for visualising software architecture"])),
        topic(
            "fallback.12factor", [], keywords: ["deployment", "배포", "operations", "운영", "cloud", "클라우드"],
            hours: 8, link: "https://12factor.net/",
            ko: (
                "Twelve-Factor 원칙으로 {tech} 서비스 점검",
                "설정 분리, 무상태 프로세스, 로그 스트림, 폐기 가능성 등 Twelve-Factor 원칙으로 {tech} 서비스를 점검하고 부족한 두세 가지를 고칩니다. 결과: 배포·운영 친화적인 서비스 설계를 근거와 함께 설명할 수 있습니다.",
                ["The Twelve-Factor App", "Beyond the Twelve-Factor App (Kevin Hoffman)"]),
            en: (
                "Review your {tech} service against the Twelve-Factor principles",
                "Check the {tech} service for config separation, stateless processes, log streams and disposability, and fix the two or three weakest points. Outcome: you can justify an operations-friendly service design.",
                ["The Twelve-Factor App", "Beyond the Twelve-Factor App (Kevin Hoffman)"])),
    ]

    static let dataTopics: [BuiltinLearningTopic] = [
        topic(
            "kafka.eos", ["kafka", "kafkastreams"], keywords: ["kafka", "exactly-once", "event", "이벤트", "messaging", "메시징", "streaming", "스트리밍"],
            hours: 24, link: "https://kafka.apache.org/documentation/#semantics",
            ko: (
                "{tech} 심화: 멱등 프로듀서와 트랜잭션으로 exactly-once 처리",
                "{tech}의 전달 보장(at-most/at-least/exactly-once), 멱등 프로듀서, 트랜잭션 API와 read_committed 컨슈머를 학습하고, 장애를 주입해도 중복·유실 없이 이벤트를 처리하는 예제를 만듭니다. 결과: '중복 없이 처리하는 방법'을 근거와 함께 설명할 수 있습니다.",
                ["Apache Kafka 공식 문서: Message Delivery Semantics", "Confluent 블로그: Exactly-Once Semantics Are Possible", "Designing Data-Intensive Applications 11장"]),
            en: (
                "Deepen {tech}: exactly-once processing with idempotent producers and transactions",
                "Study {tech} delivery semantics, idempotent producers, the transactions API and read_committed consumers, then build a pipeline that survives injected failures without loss or duplicates. Outcome: you can explain, with evidence, how to process events exactly once.",
                ["Apache Kafka documentation: Message Delivery Semantics", "Confluent blog: Exactly-Once Semantics Are Possible", "Designing Data-Intensive Applications, chapter 11"])),
        topic(
            "kafka.eventsourcing", ["kafka", "kafkastreams"], keywords: ["kafka", "event sourcing", "이벤트 소싱", "cqrs", "streaming", "스트리밍"],
            hours: 30, link: "https://kafka.apache.org/documentation/streams/",
            ko: (
                "{tech} Streams로 이벤트 소싱과 상태 재구성 구현",
                "이벤트 소싱·CQRS 개념과 Kafka Streams의 KTable, 상태 저장소, 리파티셔닝을 학습하고, 이벤트 로그에서 조회 모델을 재구성하는 서비스를 만듭니다. 결과: 이벤트 기반 설계의 장단점과 재처리 전략을 설명할 수 있습니다.",
                ["Kafka Streams 공식 문서", "Martin Fowler: Event Sourcing", "Designing Event-Driven Systems (Ben Stopford)"]),
            en: (
                "Event sourcing and state rebuilding with {tech} Streams",
                "Learn event sourcing and CQRS together with Kafka Streams KTables, state stores and repartitioning, and build a service that rebuilds a read model from the event log. Outcome: you can discuss event-driven trade-offs and replay strategies.",
                ["Kafka Streams documentation", "Martin Fowler: Event Sourcing", "Designing Event-Driven Systems (Ben Stopford)"])),
        topic(
            "postgres.ha", ["postgresql", "aurora"], keywords: ["postgresql", "replication", "복제", "high availability", "고가용성", "database", "데이터베이스"],
            hours: 24, link: "https://www.postgresql.org/docs/current/high-availability.html",
            ko: (
                "{tech} 복제와 고가용성: 스트리밍·논리 복제와 페일오버",
                "WAL, 스트리밍 복제와 논리 복제, 동기·비동기 복제에 따른 RPO·RTO를 학습하고, 로컬에 주·대기 구성을 만들어 페일오버를 연습합니다. 결과: 데이터베이스 장애 시나리오에 구체적인 절차로 답할 수 있습니다.",
                ["PostgreSQL 공식 문서: High Availability, Load Balancing, and Replication", "PostgreSQL 공식 문서: Logical Replication", "Patroni 문서"]),
            en: (
                "{tech} replication and high availability: streaming and logical replication, failover",
                "Learn the WAL, streaming and logical replication, and how synchronous versus asynchronous replication sets RPO and RTO; build a primary/standby pair locally and rehearse failover. Outcome: you can answer database-outage scenarios with a concrete procedure.",
                ["PostgreSQL documentation: High Availability, Load Balancing, and Replication", "PostgreSQL documentation: Logical Replication", "Patroni documentation"])),
        topic(
            "postgres.planner", ["postgresql"], keywords: ["postgresql", "query", "쿼리", "performance", "성능", "index", "인덱스", "database", "데이터베이스"],
            hours: 16, link: "https://www.postgresql.org/docs/current/using-explain.html",
            ko: (
                "{tech} 쿼리 플래닝: EXPLAIN ANALYZE와 인덱스 전략",
                "플래너의 비용 모델, EXPLAIN (ANALYZE, BUFFERS) 읽는 법, B-tree·GIN·부분 인덱스, 통계와 VACUUM을 학습하고 실제 프로젝트의 느린 쿼리를 튜닝해 전후 수치를 기록합니다. 결과: 느린 쿼리를 체계적으로 진단하는 과정을 설명할 수 있습니다.",
                ["PostgreSQL 공식 문서: Using EXPLAIN", "PostgreSQL 공식 문서: Indexes", "Use The Index, Luke (Markus Winand)"]),
            en: (
                "{tech} query planning: EXPLAIN ANALYZE and indexing strategy",
                "Learn the planner's cost model, how to read EXPLAIN (ANALYZE, BUFFERS), B-tree, GIN and partial indexes, statistics and VACUUM, then tune a slow query from your own project and record before/after numbers. Outcome: you can walk through diagnosing a slow query systematically.",
                ["PostgreSQL documentation: Using EXPLAIN", "PostgreSQL documentation: Indexes", "Use The Index, Luke (Markus Winand)"])),
        topic(
            "mysql.innodb", ["mysql", "mariadb"], keywords: ["mysql", "lock", "락", "transaction", "트랜잭션", "concurrency", "동시성", "database", "데이터베이스"],
            hours: 18, link: "https://dev.mysql.com/doc/refman/8.0/en/innodb-locking-transaction-model.html",
            ko: (
                "{tech} InnoDB 잠금과 트랜잭션 격리 수준",
                "레코드·갭·넥스트키 락, 격리 수준별 이상 현상, 데드락 로그 분석을 학습하고 동시 예약 같은 경쟁 상황을 재현해 해결합니다. 결과: 동시성 버그를 잠금 관점에서 설명하고 해결책을 비교할 수 있습니다.",
                ["MySQL 공식 문서: InnoDB Locking and Transaction Model", "Real MySQL 8.0 (백은빈·이성욱)"]),
            en: (
                "{tech} InnoDB locking and transaction isolation",
                "Learn record, gap and next-key locks, the anomalies of each isolation level and how to read deadlock logs, then reproduce and fix a race such as concurrent bookings. Outcome: you can explain concurrency bugs in terms of locking and compare fixes.",
                ["MySQL documentation: InnoDB Locking and Transaction Model", "High Performance MySQL (Schwartz et al.)"])),
        topic(
            "mysql.optimization", ["mysql", "mariadb"], keywords: ["mysql", "query", "쿼리", "index", "인덱스", "performance", "성능"],
            hours: 14, link: "https://dev.mysql.com/doc/refman/8.0/en/optimization.html",
            ko: (
                "{tech} 쿼리 최적화와 인덱스 설계",
                "EXPLAIN ANALYZE, 커버링·복합 인덱스, 옵티마이저 힌트를 학습하고 프로젝트 쿼리 세 개를 개선해 수치로 남깁니다. 결과: 인덱스 설계 근거를 조회 패턴과 연결해 설명할 수 있습니다.",
                ["MySQL 공식 문서: Optimization", "Use The Index, Luke (Markus Winand)"]),
            en: (
                "{tech} query optimisation and index design",
                "Learn EXPLAIN ANALYZE, covering and composite indexes and optimiser hints, then improve three queries from your project and record the numbers. Outcome: you can tie index design to query patterns.",
                ["MySQL documentation: Optimization", "Use The Index, Luke (Markus Winand)"])),
        topic(
            "redis.deep", ["redis", "redisstreams"], keywords: ["redis", "cache", "캐시", "lock", "락", "performance", "성능"],
            hours: 16, link: "https://redis.io/docs/latest/",
            ko: (
                "{tech} 심화: 캐시 전략, 영속성, 분산 락의 한계",
                "캐시 어사이드와 무효화 전략, RDB/AOF 영속성, 복제와 클러스터, 분산 락의 한계와 펜싱 토큰을 학습하고 기존 프로젝트의 캐시·락 코드를 점검해 개선합니다. 결과: 캐시 일관성과 락 안전성 질문에 근거 있게 답할 수 있습니다.",
                ["Redis 공식 문서", "Martin Kleppmann: How to do distributed locking", "Redis 공식 문서: Redis persistence"]),
            en: (
                "Deepen {tech}: caching strategy, persistence and the limits of distributed locks",
                "Learn cache-aside and invalidation, RDB/AOF persistence, replication and cluster mode, and why distributed locks need fencing tokens; then review and improve the cache and lock code in your project. Outcome: you can answer cache-consistency and lock-safety questions with evidence.",
                ["Redis documentation", "Martin Kleppmann: How to do distributed locking", "Redis documentation: Redis persistence"])),
        topic(
            "mongodb.modeling", ["mongodb"], keywords: ["mongodb", "data modeling", "데이터 모델링", "schema", "스키마"],
            hours: 16, link: "https://www.mongodb.com/docs/manual/data-modeling/",
            ko: (
                "{tech} 스키마 설계 패턴과 인덱스",
                "임베딩과 참조의 선택 기준, 버킷·확장 참조 패턴, 복합 인덱스와 ESR 규칙을 학습하고 프로젝트 컬렉션을 재설계해 봅니다. 결과: 문서 모델 설계 결정을 조회 패턴으로 설명할 수 있습니다.",
                ["MongoDB 공식 문서: Data Modeling", "MongoDB 공식 문서: Indexes"]),
            en: (
                "{tech} schema design patterns and indexing",
                "Learn when to embed versus reference, the bucket and extended-reference patterns, compound indexes and the ESR rule, then redesign a collection from your project. Outcome: you can justify document-model decisions by query patterns.",
                ["MongoDB documentation: Data Modeling", "MongoDB documentation: Indexes"])),
        topic(
            "cassandra.modeling", ["cassandra", "scylladb"], keywords: ["cassandra", "data modeling", "데이터 모델링", "consistency", "일관성"],
            hours: 20, link: "https://cassandra.apache.org/doc/latest/",
            ko: (
                "{tech} 쿼리 중심 데이터 모델링과 일관성 수준",
                "파티션 키 설계, 와이드 파티션과 톰스톤 문제, 일관성 수준(QUORUM 등)과 리페어를 학습하고 기존 테이블을 쿼리 패턴 기준으로 재설계합니다. 결과: 분산 DB의 일관성·가용성 트레이드오프를 구체적으로 설명할 수 있습니다.",
                ["Apache Cassandra 공식 문서", "Cassandra: The Definitive Guide (Carpenter, Hewitt)"]),
            en: (
                "{tech} query-first data modelling and consistency levels",
                "Learn partition-key design, wide partitions and tombstones, consistency levels such as QUORUM, and repair; then redesign an existing table around its query patterns. Outcome: you can explain the consistency/availability trade-offs of a distributed database concretely.",
                ["Apache Cassandra documentation", "Cassandra: The Definitive Guide (Carpenter, Hewitt)"])),
        topic(
            "elasticsearch.search", ["elasticsearch", "opensearch"], keywords: ["elasticsearch", "search", "검색"],
            hours: 18, link: "https://www.elastic.co/guide/en/elasticsearch/reference/current/index.html",
            ko: (
                "{tech} 매핑·분석기 설계와 검색 성능",
                "매핑과 분석기(한국어 형태소 분석 포함), 샤드 크기 산정, 쿼리 DSL과 스코어링을 학습하고 검색 품질과 지연을 측정해 개선합니다. 결과: 검색 시스템 설계 질문에 근거 있게 답할 수 있습니다.",
                ["Elasticsearch 공식 문서", "Elasticsearch 공식 문서: Size your shards"]),
            en: (
                "{tech} mappings, analysers and search performance",
                "Learn mappings and analysers, shard sizing, the query DSL and scoring, then measure and improve search relevance and latency. Outcome: you can answer search-system design questions with evidence.",
                ["Elasticsearch documentation", "Elasticsearch documentation: Size your shards"])),
        topic(
            "rabbitmq.reliability", ["rabbitmq"], keywords: ["rabbitmq", "messaging", "메시징", "queue", "큐", "reliability", "신뢰성"],
            hours: 14, link: "https://www.rabbitmq.com/docs/reliability",
            ko: (
                "{tech} 신뢰성: 퍼블리셔 확인, 수동 ack, DLX",
                "퍼블리셔 확인, 컨슈머 수동 ack와 prefetch, 데드레터 익스체인지, 쿼럼 큐를 학습하고 브로커 재시작에도 메시지를 잃지 않는 구성을 검증합니다. 결과: 메시지 유실·중복 시나리오를 설명하고 대책을 제시할 수 있습니다.",
                ["RabbitMQ 공식 문서: Reliability Guide", "RabbitMQ 공식 문서: Quorum Queues"]),
            en: (
                "{tech} reliability: publisher confirms, manual acks and dead-lettering",
                "Learn publisher confirms, manual consumer acks and prefetch, dead-letter exchanges and quorum queues, and verify a setup that loses no messages across broker restarts. Outcome: you can explain loss and duplication scenarios and their remedies.",
                ["RabbitMQ documentation: Reliability Guide", "RabbitMQ documentation: Quorum Queues"])),
        topic(
            "celery.tasks", ["celery", "sidekiq"], keywords: ["celery", "task", "작업", "async", "비동기"],
            hours: 12, link: "https://docs.celeryq.dev/en/stable/userguide/tasks.html",
            ko: (
                "{tech} 작업 설계: 멱등성, 재시도, 가시성 타임아웃",
                "작업 멱등성, 지수 백오프 재시도, acks_late와 가시성 타임아웃, 작업 모니터링을 학습하고 기존 작업을 재시도에 안전하게 바꿉니다. 결과: 비동기 작업의 실패 처리 전략을 설명할 수 있습니다.",
                ["Celery 공식 문서: Tasks", "Celery 공식 문서: Optimizing"]),
            en: (
                "{tech} task design: idempotency, retries and visibility timeouts",
                "Learn task idempotency, exponential-backoff retries, acks_late and visibility timeouts, and task monitoring, then make existing tasks safe to retry. Outcome: you can explain a failure-handling strategy for background jobs.",
                ["Celery documentation: Tasks", "Celery documentation: Optimizing"])),
    ]
}
