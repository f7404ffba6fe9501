import CoachCore
import CoachLLM
import Foundation

// Reliability and Scalability patterns.
extension BuiltinQuestionBank {
    static let reliability: [BuiltinQuestionPattern] = [
        pattern(
            "rel.outage", .reliability, [.dataStore, .messaging, .cloud, .observability, .security],
            ko: "한낮에 {where}에서 쓰는 {tech:이} 15분간 다운됐습니다. 무엇이 깨지고 사용자는 무엇을 보게 되며, 시스템은 어떻게 복구되나요?",
            koTopic: "{tech}, 장애 영향, 복구",
            koCover: [
                "{tech} 장애가 전파되는 경로와 사용자 영향",
                "타임아웃, 재시도, 서킷 브레이커 등 완충 장치",
                "복구 후 밀린 작업과 데이터 정합성 처리",
            ],
            en: "At midday, the {tech} that {where} depends on goes down for 15 minutes. What breaks, what do users see, and how does the system recover?",
            enTopic: "{tech}, outage impact, recovery",
            enCover: [
                "How a {tech} failure propagates and what users experience",
                "Timeouts, retries and circuit breakers that limit the blast radius",
                "Catching up on backlog and restoring data consistency afterwards",
            ]),
        pattern(
            "rel.incident", .reliability,
            ko: "{where}에서 {tech:과} 관련해 겪은(또는 가장 우려되는) 장애를 말씀해 주세요. 어떻게 감지했고, 영향은 어느 정도였으며, 이후 무엇을 바꾸었나요?",
            koTopic: "{tech}, 장애 대응, 포스트모템",
            koCover: [
                "감지 경로(알림, 사용자 제보)와 감지까지 걸린 시간",
                "영향 범위를 수치로 설명",
                "재발 방지를 위해 바꾼 코드·프로세스",
            ],
            en: "Tell me about the worst incident you saw (or most fear) in {where} involving {tech}: how was it detected, what was the impact, and what did you change afterwards?",
            enTopic: "{tech}, incident response, postmortem",
            enCover: [
                "How it was detected (alert, user report) and time to detection",
                "The impact, quantified",
                "Code or process changes made to prevent a recurrence",
            ]),
        pattern(
            "rel.achievement", .reliability,
            ko: "{tech:이} 타임아웃, 부분 실패, 잘못된 배포 등으로 오동작할 때도 {where}의 {achievement} 성과가 유지되도록 어떻게 보장하나요?",
            koTopic: "{tech}, 부분 실패, 회복 탄력성",
            koCover: [
                "실패 모드별(타임아웃, 부분 실패, 잘못된 배포) 동작",
                "멱등성, 재시도 정책, 폴백 설계",
                "이를 검증하는 테스트나 장애 훈련",
            ],
            en: "How do you make sure {achievement} in {where} still holds when {tech} misbehaves: timeouts, partial failures or a bad deploy?",
            enTopic: "{tech}, partial failure, resilience",
            enCover: [
                "Behaviour per failure mode (timeout, partial failure, bad deploy)",
                "Idempotency, retry policy and fallbacks",
                "Tests or drills that prove it",
            ]),
        pattern(
            "rel.language.errors", .reliability, [.language, .framework, .other],
            ko: "{where}의 {tech} 코드에서 하위 호출이 응답 없이 멈추거나 처리되지 않은 예외가 터지면 어떻게 되나요? 에러 처리, 타임아웃, 프로세스 복구 방식을 설명해 주세요.",
            koTopic: "{tech}, 에러 처리, 타임아웃, 복구",
            koCover: [
                "{tech}의 예외·에러 전파 방식과 처리 위치",
                "외부 호출 타임아웃과 재시도 정책",
                "프로세스가 죽었을 때의 재시작과 진행 중 작업 처리",
            ],
            en: "In the {tech} code of {where}, what happens when a downstream call hangs or an unhandled exception escapes? Describe the error handling, timeouts and how the process recovers.",
            enTopic: "{tech}, error handling, timeouts, recovery",
            enCover: [
                "How errors propagate in {tech} and where they are handled",
                "Timeouts and retry policy on outbound calls",
                "Restart behaviour and what happens to in-flight work",
            ]),
        pattern(
            "rel.testing.flaky", .reliability, [.testing],
            ko: "릴리스 직전 CI에서 {where}의 {tech} 테스트가 간헐적으로 실패하기 시작했습니다. 실제 회귀와 불안정한(flaky) 테스트를 어떻게 구분하고, 재발하지 않게 무엇을 바꾸시겠습니까?",
            koTopic: "{tech}, flaky 테스트, CI 안정성",
            koCover: [
                "재실행, 로그, 격리 실행으로 원인을 좁히는 절차",
                "시간·순서·공유 상태 등 흔한 불안정 원인과 해결책",
                "릴리스 판단 기준과 격리(quarantine) 정책",
            ],
            en: "Right before a release, the {tech} suite of {where} starts failing intermittently in CI. How do you tell a real regression from a flaky test, and what do you change so it does not happen again?",
            enTopic: "{tech}, flaky tests, CI stability",
            enCover: [
                "Narrowing the cause with reruns, logs and isolated runs",
                "Common flakiness sources (time, ordering, shared state) and fixes",
                "The release decision and a quarantine policy",
            ]),
        pattern(
            "rel.messaging.poison", .reliability, [.messaging],
            ko: "{where}에서 잘못된 메시지 하나 때문에 {tech} 컨슈머가 계속 죽고 해당 파티션 처리가 멈췄습니다. 이벤트 유실이나 중복 처리 없이 어떻게 복구하시겠습니까?",
            koTopic: "{tech}, 포이즌 메시지, DLQ, 멱등성",
            koCover: [
                "문제 메시지를 격리하는 방법(DLQ, 스킵 후 기록)",
                "유실·중복 없이 재처리하기 위한 오프셋과 멱등 키 관리",
                "재발 방지를 위한 스키마 검증과 알림",
            ],
            en: "A bug in {where} makes the {tech} consumer crash on one malformed message, and that partition stops. How do you recover without losing or double-processing events?",
            enTopic: "{tech}, poison messages, dead-letter queues, idempotency",
            enCover: [
                "Isolating the bad message (dead-letter queue, skip and record)",
                "Offset and idempotency-key handling to avoid loss and duplicates",
                "Schema validation and alerting to prevent a recurrence",
            ]),
        pattern(
            "rel.datastore.failover", .reliability, [.dataStore],
            ko: "피크 트래픽 중 {where}의 {tech} 주 노드가 장애로 내려갔습니다. 페일오버 과정, 유실될 수 있는 데이터, 애플리케이션 재연결 방식을 설명해 주세요.",
            koTopic: "{tech}, 페일오버, 복제, 데이터 유실",
            koCover: [
                "복제 방식(동기·비동기)에 따른 유실 가능 범위(RPO)",
                "페일오버 절차와 소요 시간(RTO)",
                "커넥션 풀, 재시도 등 애플리케이션 쪽 재연결 처리",
            ],
            en: "The primary {tech} node behind {where} fails during peak traffic. Walk through failover, the data you might lose, and how the application reconnects.",
            enTopic: "{tech}, failover, replication, data loss",
            enCover: [
                "Replication mode (sync/async) and the resulting RPO",
                "Failover procedure and its duration (RTO)",
                "Application-side reconnection: pools, retries, in-flight writes",
            ]),
        pattern(
            "rel.change.rollback", .reliability, [.devops, .cloud],
            ko: "{where}에 적용한 {tech} 변경이 운영 환경을 멈추게 했습니다. 어떻게 감지하고 롤백하며, 같은 유형의 장애를 어떻게 예방하시겠습니까?",
            koTopic: "{tech}, 변경 관리, 롤백, 점진 배포",
            koCover: [
                "변경 직후 이상을 감지하는 지표와 알림",
                "롤백 절차와 걸리는 시간",
                "카나리·점진 배포, 변경 검토 등 예방 장치",
            ],
            en: "A {tech} change rolled out for {where} takes production down. How do you detect it, roll back, and prevent the same class of failure?",
            enTopic: "{tech}, change management, rollback, progressive delivery",
            enCover: [
                "Signals and alerts that catch the problem right after the change",
                "The rollback procedure and how long it takes",
                "Prevention: canary or progressive rollout, change review",
            ]),
        pattern(
            "rel.observability.signals", .reliability, [.observability],
            ko: "{where}에서 장애가 났을 때 {tech}의 어떤 신호가 가장 먼저 이상을 알려 주나요? 새벽에도 사람을 깨울 만한 알림은 무엇인가요?",
            koTopic: "{tech}, 알림 설계, SLO, 장애 감지",
            koCover: [
                "사용자 영향 중심 지표(에러율, 지연)와 원인 지표 구분",
                "알림 임계값과 노이즈를 줄이는 방법",
                "SLO나 에러 버짓과의 연결",
            ],
            en: "During an outage in {where}, which {tech} signals tell you first that something is wrong, and which alert is worth waking someone up for?",
            enTopic: "{tech}, alerting, SLOs, detection",
            enCover: [
                "User-facing symptoms (error rate, latency) versus cause metrics",
                "Alert thresholds and how noise is kept down",
                "The link to SLOs or error budgets",
            ]),
    ]

    static let scalability: [BuiltinQuestionPattern] = [
        pattern(
            "scale.tenx", .scalability,
            ko: "하룻밤 사이 {where}의 트래픽이 10배로 늘었습니다. {tech:이} 가장 먼저 한계에 부딪히는 지점은 어디이며, 무엇을 어떤 순서로 바꾸시겠습니까?",
            koTopic: "{tech}, 10배 트래픽, 병목, 확장 전략",
            koCover: [
                "가장 먼저 포화되는 자원(CPU, 커넥션, I/O)을 근거와 함께 지목",
                "단기 조치(스케일 아웃, 캐시)와 구조적 변경의 순서",
                "확장 후 검증할 지표",
            ],
            en: "Traffic to {where} jumps 10× overnight. Where does {tech} hit its limit first, and what would you change, in which order?",
            enTopic: "{tech}, 10x traffic, bottlenecks, scaling plan",
            enCover: [
                "The first saturated resource (CPU, connections, I/O) with reasoning",
                "Order of quick fixes (scale out, caching) versus structural changes",
                "Metrics to verify after scaling",
            ]),
        pattern(
            "scale.state", .scalability,
            ko: "{where}의 {tech} 부분은 어떤 상태를 가지고 있나요? 인스턴스 하나가 아니라 열 개로 운영하려면 무엇을 바꿔야 하나요?",
            koTopic: "{tech}, 상태 관리, 수평 확장",
            koCover: [
                "메모리 내 상태, 세션, 로컬 파일 등 확장을 막는 요소",
                "상태를 외부 저장소로 옮기거나 분할하는 방법",
                "동시성 문제(중복 실행, 경쟁 조건) 대비",
            ],
            en: "What state does the {tech} part of {where} keep, and what would you need to change to run it on ten instances instead of one?",
            enTopic: "{tech}, state, horizontal scaling",
            enCover: [
                "State that blocks scaling: in-memory caches, sessions, local files",
                "Moving or partitioning that state",
                "Concurrency hazards such as duplicate work and races",
            ]),
        pattern(
            "scale.achievement", .scalability,
            ko: "부하가 10배가 되어도 {where}의 {achievement} 성과가 유지될까요? {tech} 설계의 어떤 가정이 가장 먼저 깨지나요?",
            koTopic: "{tech}, 확장성 가정, 부하 테스트",
            koCover: [
                "성과가 의존하는 가정(데이터 크기, 동시성, 캐시 적중률)",
                "10배 부하에서 먼저 깨지는 지점과 근거",
                "부하 테스트로 미리 확인하는 방법",
            ],
            en: "Would {achievement} in {where} still hold at 10× the load? Which assumption in your {tech} design breaks first?",
            enTopic: "{tech}, scaling assumptions, load testing",
            enCover: [
                "Assumptions the result depends on (data size, concurrency, cache hit rate)",
                "The first thing to break at 10× and why",
                "How load testing would confirm it in advance",
            ]),
        pattern(
            "scale.messaging.partitions", .scalability, [.messaging],
            ko: "{where}의 {tech} 이벤트량이 10배가 됩니다. 키별 순서를 유지하면서 파티셔닝, 키 선택, 컨슈머 확장을 어떻게 다시 설계하시겠습니까?",
            koTopic: "{tech}, 파티셔닝, 메시지 키, 컨슈머 확장",
            koCover: [
                "순서 보장 범위와 메시지 키 선택",
                "파티션 수 변경과 리밸런싱의 영향",
                "핫 키(특정 키 쏠림) 대응",
            ],
            en: "Event volume on {tech} in {where} grows 10×. How would you rethink partitioning, key choice and consumer scaling while keeping per-key ordering?",
            enTopic: "{tech}, partitioning, message keys, consumer scaling",
            enCover: [
                "Ordering scope and the choice of message key",
                "Impact of changing partition counts and rebalancing",
                "Handling hot keys",
            ]),
        pattern(
            "scale.datastore.writes", .scalability, [.dataStore],
            ko: "{where}의 {tech:이} 10배의 쓰기를 감당해야 합니다. 읽기 복제본, 파티셔닝·샤딩, 데이터 모델 변경 중 무엇을 어떤 순서로 하시겠고 위험은 무엇인가요?",
            koTopic: "{tech}, 샤딩, 복제, 쓰기 확장",
            koCover: [
                "읽기 복제본이 쓰기 부하에는 도움이 안 되는 이유",
                "파티션·샤드 키 선택과 재분배 위험",
                "무중단 마이그레이션 절차",
            ],
            en: "{tech} in {where} must absorb 10× the writes. Would you add read replicas, partition or shard, or change the data model? Explain the order and the risks.",
            enTopic: "{tech}, sharding, replication, write scaling",
            enCover: [
                "Why read replicas alone do not help write load",
                "Choosing a partition or shard key and the risk of resharding",
                "A zero-downtime migration plan",
            ]),
        pattern(
            "scale.platform.autoscale", .scalability, [.devops, .cloud],
            ko: "{tech:이} {where}의 10배 급증을 자동으로 흡수하도록 어떻게 구성하시겠습니까? 쿼터, 콜드 스타트, 커넥션 풀 같은 어떤 한계를 주의하시겠습니까?",
            koTopic: "{tech}, 오토스케일링, 용량 한계",
            koCover: [
                "오토스케일링 기준 지표와 반응 속도",
                "쿼터, 콜드 스타트, DB 커넥션 수 같은 숨은 한계",
                "급증 시 비용 통제 방법",
            ],
            en: "How would you configure {tech} so that {where} absorbs a 10× spike automatically, and which limits (quotas, cold starts, connection pools) would you watch?",
            enTopic: "{tech}, autoscaling, capacity limits",
            enCover: [
                "Scaling signals and how fast they react",
                "Hidden limits: quotas, cold starts, database connection counts",
                "Keeping cost under control during spikes",
            ]),
        pattern(
            "scale.language.concurrency", .scalability, [.language, .framework],
            ko: "{where}의 {tech} 서버가 동시 요청 10배를 받게 되면 동시성 모델(스레드, 이벤트 루프, 코루틴 등)의 어디서 먼저 막히나요? 어떻게 확인하고 개선하시겠습니까?",
            koTopic: "{tech}, 동시성 모델, 처리량",
            koCover: [
                "{tech}의 동시성 모델과 블로킹 지점",
                "스레드·커넥션 풀 크기와 백프레셔",
                "부하 테스트로 한계를 확인하는 방법",
            ],
            en: "If the {tech} server in {where} received 10× the concurrent requests, where would its concurrency model (threads, event loop, coroutines) choke first? How would you confirm and fix it?",
            enTopic: "{tech}, concurrency model, throughput",
            enCover: [
                "The {tech} concurrency model and its blocking points",
                "Thread or connection pool sizing and backpressure",
                "Load testing to find the limit",
            ]),
    ]
}
