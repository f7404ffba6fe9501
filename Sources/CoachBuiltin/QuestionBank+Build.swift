import CoachCore
import CoachLLM
import Foundation

// Implementation, Trade-off and Performance patterns.
extension BuiltinQuestionBank {
    static let implementation: [BuiltinQuestionPattern] = [
        pattern(
            "impl.walkthrough", .implementation,
            ko: "{where}에서 {tech:을} 사용한 부분을 어떻게 구현했는지 설명해 주세요. 주요 구성 요소는 무엇이었고, 본인이 직접 작성한 부분은 어디인가요?",
            koTopic: "{tech}, 구현 구조, 담당 범위",
            koCover: [
                "{tech} 주변 구성 요소와 데이터 흐름을 구체적으로 설명",
                "팀 작업과 본인이 직접 맡은 부분의 명확한 구분",
                "구현 중 마주친 까다로운 세부 사항이나 버그와 해결 방법",
            ],
            en: "Walk me through how you built the {tech} part of {where}: what were the main components, and which piece did you personally write?",
            enTopic: "{tech}, implementation, ownership",
            enCover: [
                "Concrete components and data flow around {tech}",
                "A clear line between the team's work and what the candidate personally built",
                "A non-obvious implementation detail or bug and how it was solved",
            ]),
        pattern(
            "impl.achievement", .implementation,
            ko: "{where}에서 {achievement:이라는} 성과를 적으셨는데, {tech:으로} 이를 어떻게 구현했는지 단계별로 설명해 주세요.",
            koTopic: "{tech}, 성과 구현 과정, 측정",
            koCover: [
                "변경 전 기준치와 그것을 측정한 방법",
                "{tech}에서 실제로 바꾼 코드나 설정",
                "운영 환경에서 결과를 검증한 방법",
            ],
            en: "Your resume lists {achievement} for {where}. How exactly did you implement that with {tech}, step by step?",
            enTopic: "{tech}, implementation steps, measurable result",
            enCover: [
                "The baseline before the change and how it was measured",
                "The specific code or configuration change made in {tech}",
                "How the result was verified in production",
            ]),
        pattern(
            "impl.rebuild", .implementation,
            ko: "내일 {where}의 {tech} 부분을 처음부터 다시 만든다면 무엇을 그대로 두고 무엇을 다르게 구현하시겠습니까?",
            koTopic: "{tech}, 재설계, 기술 부채",
            koCover: [
                "현재 설계의 약점에 대한 솔직한 평가",
                "근거가 있는 구체적인 대안 구현",
                "기존 구조에서 새 구조로 옮기는 마이그레이션 순서",
            ],
            en: "If you had to rebuild the {tech} piece of {where} from scratch tomorrow, what would you keep and what would you implement differently?",
            enTopic: "{tech}, redesign, technical debt",
            enCover: [
                "An honest assessment of the current design's weak spots",
                "Concrete alternative implementation choices with reasons",
                "A migration path from the old design to the new one",
            ]),
        pattern(
            "impl.messaging.consumer", .implementation, [.messaging],
            ko: "{where}에서 {tech} 컨슈머를 어떻게 구현했나요? 오프셋(또는 ack)은 언제 커밋되며, 처리 도중 실패한 메시지는 어떻게 되나요?",
            koTopic: "{tech}, 컨슈머, 오프셋 커밋, 재처리",
            koCover: [
                "부수 효과 대비 커밋·ack 시점과 그에 따른 전달 보장(at-least-once 등)",
                "재시도와 DLQ(dead-letter) 처리 방식",
                "컨슈머 부수 효과의 멱등성 확보",
            ],
            en: "In {where}, how did you implement the {tech} consumers: when are offsets or acknowledgements committed, and what happens to a message whose processing fails halfway?",
            enTopic: "{tech}, consumers, offset commits, retries",
            enCover: [
                "Commit/ack timing relative to side effects and the resulting delivery guarantee",
                "Retry and dead-letter handling",
                "Idempotency of the consumer's side effects",
            ]),
        pattern(
            "impl.datastore.schema", .implementation, [.dataStore],
            ko: "{where}에서 {tech}에 설계한 스키마와 가장 중요한 쿼리를 설명해 주세요. 어떤 인덱스를 왜 추가했나요?",
            koTopic: "{tech}, 스키마 설계, 인덱스",
            koCover: [
                "핵심 테이블(컬렉션)과 관계, 키 설계",
                "실제 조회 패턴에 근거한 인덱스 선택",
                "실행 계획(EXPLAIN 등)으로 확인한 과정",
            ],
            en: "Describe the schema and the most important queries you wrote against {tech} in {where}. Which indexes did you add, and why?",
            enTopic: "{tech}, schema design, indexing",
            enCover: [
                "Core tables or collections, relationships and keys",
                "Index choices tied to the actual query patterns",
                "How the query plan was checked (EXPLAIN or equivalent)",
            ]),
        pattern(
            "impl.language.features", .implementation, [.language],
            ko: "{where}에서 {tech}의 어떤 언어 기능이나 표준 라이브러리를 가장 많이 활용했고, 그 때문에 곤란했던 적은 언제였나요?",
            koTopic: "{tech}, 언어 기능, 표준 라이브러리",
            koCover: [
                "동시성, 에러 처리, 제네릭 등 구체적인 기능과 사용 예",
                "실제로 겪은 함정과 디버깅 과정",
                "팀에서 따른 관용적 코드 스타일과 규칙",
            ],
            en: "Which {tech} language features or standard-library tools did you lean on most in {where}, and when did they bite you?",
            enTopic: "{tech}, language features, standard library",
            enCover: [
                "Specific features (concurrency, error handling, generics) with examples",
                "A pitfall actually hit and how it was debugged",
                "Idiomatic conventions the team followed",
            ]),
        pattern(
            "impl.framework.layers", .implementation, [.framework, .other],
            ko: "{where}의 {tech} 코드에서 요청이 라우팅부터 저장까지 어떻게 흐르도록 구성했나요? 검증과 에러 처리는 어느 계층에 두었나요?",
            koTopic: "{tech}, 계층 구조, 검증, 에러 처리",
            koCover: [
                "핸들러·서비스·저장소 등 계층 분리 방식",
                "입력 검증과 에러 매핑 전략",
                "의존성 주입이나 설정 관리 방식",
            ],
            en: "How is the request flow structured in your {tech} code for {where}, from routing to persistence? Where did you put validation and error handling?",
            enTopic: "{tech}, layering, validation, error handling",
            enCover: [
                "Layering (handler, service, repository) and why",
                "Validation and error-mapping strategy",
                "Dependency injection or configuration approach",
            ]),
        pattern(
            "impl.delivery.pipeline", .implementation, [.devops, .cloud],
            ko: "{where}에서 {tech:을} 어떻게 구성했나요? 커밋이 머지된 뒤 운영 환경에서 실행되기까지의 과정을 설명해 주세요.",
            koTopic: "{tech}, 배포 파이프라인, 설정 관리",
            koCover: [
                "빌드, 아티팩트, 배포 단계의 구체적인 흐름",
                "설정과 시크릿 관리 방식",
                "문제가 생겼을 때의 롤백 방법",
            ],
            en: "How did you set up {tech} for {where}? Describe the path from a merged commit to code running in production.",
            enTopic: "{tech}, delivery pipeline, configuration",
            enCover: [
                "Build, artifact and deployment steps",
                "Configuration and secret management",
                "The rollback mechanism when a release goes wrong",
            ]),
    ]

    static let tradeOff: [BuiltinQuestionPattern] = [
        pattern(
            "trade.alternative", .tradeOff,
            ko: "{where}에 {alt} 대신 {tech:을} 선택한 이유는 무엇인가요? 어떤 조건이었다면 {alt:이} 더 나은 선택이었을까요?",
            koTopic: "{tech}, {alt}, 기술 선택",
            koCover: [
                "팀 역량, 운영 비용, 필요한 보장 등 결정 기준",
                "이 맥락에서 {tech}의 솔직한 약점",
                "{alt:이} 더 나았을 조건",
            ],
            en: "Why did you choose {tech} for {where} rather than {alt}? Under what conditions would {alt} have been the better choice?",
            enTopic: "{tech}, {alt}, technology choice",
            enCover: [
                "Decision criteria: team skills, operational cost, guarantees needed",
                "Honest weaknesses of {tech} in this context",
                "Conditions under which {alt} would win",
            ]),
        pattern(
            "trade.giveup", .tradeOff,
            ko: "{where}에서 {tech:을} 쓰면서 포기한 것은 무엇인가요? 알면서도 받아들인 트레이드오프 하나와 그 단점을 어떻게 완화했는지 설명해 주세요.",
            koTopic: "{tech}, 트레이드오프, 위험 완화",
            koCover: [
                "명시적으로 받아들인 단점 하나(복잡도, 비용, 일관성 등)",
                "그 단점을 줄이기 위한 구체적인 장치",
                "결정을 다시 검토할 신호나 기준",
            ],
            en: "What did you give up by using {tech} in {where}? Describe one trade-off you accepted knowingly and how you mitigated its downside.",
            enTopic: "{tech}, trade-offs, mitigation",
            enCover: [
                "One explicitly accepted downside (complexity, cost, consistency)",
                "The concrete mitigation put in place",
                "The signal that would make them revisit the decision",
            ]),
        pattern(
            "trade.revisit", .tradeOff,
            ko: "지금 돌아보면 {where}에서 {tech:과} 관련해 내린 결정 중 다시 한다면 바꿀 것은 무엇인가요? 그 결정이 틀렸다는 신호는 언제, 어떻게 드러났나요?",
            koTopic: "{tech}, 의사결정 회고, 기술 부채",
            koCover: [
                "바꾸고 싶은 결정과 당시에 그 결정을 내린 맥락",
                "문제가 드러난 신호(장애, 지표, 개발 속도)",
                "지금이라면 택할 대안과 전환 비용",
            ],
            en: "Looking back at {where}, which decision around {tech} would you make differently today? When and how did it become clear that it was the wrong call?",
            enTopic: "{tech}, decision retrospective, technical debt",
            enCover: [
                "The decision and the context in which it was made",
                "The signals that exposed the problem (incidents, metrics, delivery speed)",
                "The alternative they would pick now and the cost of switching",
            ]),
        pattern(
            "trade.achievement", .tradeOff,
            ko: "{where}에서 {achievement:을} 달성하기 위해 {tech} 방식 외에 어떤 대안을 검토했고, 왜 채택하지 않았나요?",
            koTopic: "{tech}, 대안 비교, 의사결정",
            koCover: [
                "검토한 대안 두 가지 이상과 각각의 장단점",
                "최종 결정을 가른 측정치나 제약",
                "결정의 부작용과 이후 대응",
            ],
            en: "To reach {achievement} in {where}, which alternatives to your {tech} approach did you consider, and why did you reject them?",
            enTopic: "{tech}, alternatives, decision making",
            enCover: [
                "At least two alternatives with their pros and cons",
                "The measurement or constraint that decided it",
                "Side effects of the decision and how they were handled",
            ]),
        pattern(
            "trade.messaging.guarantees", .tradeOff, [.messaging],
            ko: "{where} 기준으로 {tech:과} {alt:을} 전달 보장, 순서 보장, 운영 부담 측면에서 비교해 주세요. 설계가 실제로 의존한 {tech}의 특성은 무엇이었나요?",
            koTopic: "{tech}, {alt}, 전달 보장, 순서 보장",
            koCover: [
                "전달 보장(at-least-once, exactly-once)과 순서 보장 차이",
                "보존 기간, 재처리, 팬아웃 등 설계가 의존한 특성",
                "운영 부담(클러스터 관리, 모니터링) 비교",
            ],
            en: "For {where}, compare {tech} with {alt} on delivery guarantees, ordering and operational burden. Which properties of {tech} did your design actually depend on?",
            enTopic: "{tech}, {alt}, delivery guarantees, ordering",
            enCover: [
                "Differences in delivery and ordering guarantees",
                "Properties the design relied on (retention, replay, fan-out)",
                "Operational burden of each option",
            ]),
        pattern(
            "trade.datastore.growth", .tradeOff, [.dataStore],
            ko: "{where}의 데이터를 {tech}에 저장했습니다. 데이터가 10배로 늘어나도 {alt}보다 {tech:을} 택하시겠습니까? 어떤 일관성·조회 요구가 결정을 좌우하나요?",
            koTopic: "{tech}, {alt}, 데이터 저장소 선택, 일관성",
            koCover: [
                "트랜잭션·일관성 요구와 조회 패턴 분석",
                "데이터 증가 시 {tech}의 한계와 대응책",
                "{alt:으로} 옮길 경우의 비용과 위험",
            ],
            en: "In {where}, data went into {tech}. If the data volume grew 10×, would you still pick {tech} over {alt}? Which consistency and query needs decide it?",
            enTopic: "{tech}, {alt}, data store choice, consistency",
            enCover: [
                "Transactional and consistency needs versus query patterns",
                "Where {tech} would strain at 10× data and the remedies",
                "Cost and risk of moving to {alt}",
            ]),
        pattern(
            "trade.stack.fit", .tradeOff, [.language, .framework],
            ko: "팀 숙련도, 생태계, 런타임 특성을 고려할 때 {where}에 {alt}보다 {tech:이} 적합했던 이유는 무엇인가요?",
            koTopic: "{tech}, {alt}, 기술 스택 선택",
            koCover: [
                "런타임 특성(동시성 모델, 메모리, 시작 시간)의 비교",
                "라이브러리 생태계와 팀 숙련도",
                "선택을 후회할 만한 상황",
            ],
            en: "Considering team familiarity, ecosystem and runtime behaviour, why was {tech} a better fit than {alt} for {where}?",
            enTopic: "{tech}, {alt}, stack choice",
            enCover: [
                "Runtime characteristics compared (concurrency model, memory, startup)",
                "Library ecosystem and team familiarity",
                "A situation in which the choice would be regretted",
            ]),
        pattern(
            "trade.platform.cost", .tradeOff, [.cloud, .devops],
            ko: "{where:을} {alt} 대신 {tech} 위에서 운영한 결정은 운영 비용과 수고 면에서 무엇을 얻고 잃게 했나요? 다시 선택해도 같은 결정을 하시겠습니까?",
            koTopic: "{tech}, {alt}, 운영 비용, 플랫폼 선택",
            koCover: [
                "운영 비용과 인력 부담의 구체적인 비교",
                "벤더 종속, 이식성 등 장기적 위험",
                "같은 결정을 다시 내릴지와 그 이유",
            ],
            en: "Running {where} on {tech} instead of {alt}: what did that decision cost or save in operations, and would you make it again?",
            enTopic: "{tech}, {alt}, operating cost, platform choice",
            enCover: [
                "Concrete comparison of running cost and operational effort",
                "Long-term risks such as lock-in and portability",
                "Whether they would decide the same again, and why",
            ]),
    ]

    static let performance: [BuiltinQuestionPattern] = [
        pattern(
            "perf.achievement", .performance,
            ko: "{where}의 {achievement} 성과에 대해, 변경 전후를 어떻게 측정했고 {tech}에서 어떤 변경이 가장 큰 효과를 냈나요?",
            koTopic: "{tech}, 성능 측정, 병목 개선",
            koCover: [
                "측정 지표(p50/p99 지연, 처리량)와 측정 환경",
                "병목을 찾은 방법(프로파일링, 트레이싱)",
                "가장 효과가 컸던 변경과 그 이유",
            ],
            en: "About {achievement} in {where}: how did you measure before and after, and which {tech} change made the biggest difference?",
            enTopic: "{tech}, performance measurement, bottlenecks",
            enCover: [
                "Metrics used (p50/p99 latency, throughput) and the measurement setup",
                "How the bottleneck was found (profiling, tracing)",
                "The change with the biggest effect and why it worked",
            ]),
        pattern(
            "perf.regression", .performance,
            ko: "배포 후 {where}의 응답 지연이 두 배로 늘었다고 가정해 봅시다. {tech:이} 병목인지 어떻게 확인하고, 어떤 도구와 지표부터 보시겠습니까?",
            koTopic: "{tech}, 성능 저하 분석, 지표",
            koCover: [
                "배포 전후 지표 비교와 변경 범위 좁히기",
                "{tech} 관련 지표와 프로파일링 도구",
                "원인 확인 후의 롤백·수정 판단",
            ],
            en: "Suppose latency in {where} doubles after a release. How would you find out whether {tech} is the bottleneck, and which tools and metrics would you look at first?",
            enTopic: "{tech}, latency regression, diagnostics",
            enCover: [
                "Comparing metrics before and after the release to narrow the change",
                "{tech}-specific metrics and profiling tools",
                "Deciding between rollback and fix once the cause is known",
            ]),
        pattern(
            "perf.hotspot", .performance,
            ko: "{where}에서 {tech:이} 수행하는 가장 비싼 연산은 무엇이며, 그 비용을 어떻게 프로파일링하고 줄였나요(또는 줄이시겠습니까)?",
            koTopic: "{tech}, 프로파일링, 비용 큰 연산",
            koCover: [
                "가장 비싼 연산을 근거(측정값)와 함께 지목",
                "사용한(또는 사용할) 프로파일링 방법",
                "캐싱, 배치, 알고리즘 변경 등 구체적인 개선안",
            ],
            en: "What is the most expensive operation {tech} performs in {where}, and how did you (or would you) profile it and reduce its cost?",
            enTopic: "{tech}, profiling, expensive operations",
            enCover: [
                "The costliest operation named with evidence",
                "The profiling method used or planned",
                "A concrete improvement: caching, batching or a better algorithm",
            ]),
        pattern(
            "perf.datastore.plan", .performance, [.dataStore],
            ko: "{where}에서 테이블이 커지며 {tech}의 핵심 쿼리가 느려졌습니다. 실행 계획을 읽는 과정과 시도할 개선책을 순서대로 설명해 주세요.",
            koTopic: "{tech}, 실행 계획, 쿼리 최적화, 인덱스",
            koCover: [
                "실행 계획에서 풀 스캔, 잘못된 조인 순서 등 확인 포인트",
                "인덱스, 쿼리 재작성, 통계 갱신 등 개선 순서",
                "개선 효과를 운영에서 검증하는 방법",
            ],
            en: "A key {tech} query in {where} slows down as the table grows. Walk me through reading its execution plan and the fixes you would try, in order.",
            enTopic: "{tech}, query plans, query optimisation, indexes",
            enCover: [
                "What to look for in the plan: full scans, join order, row estimates",
                "Fixes in order: indexes, query rewrite, statistics",
                "How the improvement is verified in production",
            ]),
        pattern(
            "perf.language.profile", .performance, [.language],
            ko: "{where}의 {tech} 서비스에서 CPU와 메모리를 어떻게 프로파일링하시겠습니까? 실제로 찾았거나 예상되는 핫스팟을 구체적으로 설명해 주세요.",
            koTopic: "{tech}, 프로파일링, CPU, 메모리",
            koCover: [
                "{tech} 생태계의 프로파일링 도구와 사용법",
                "할당, 직렬화, 잠금 경합 등 구체적인 핫스팟",
                "개선 전후 수치 비교",
            ],
            en: "How would you profile CPU and memory of the {tech} service in {where}? Describe a concrete hotspot you found or would expect.",
            enTopic: "{tech}, profiling, CPU, memory",
            enCover: [
                "Profiling tools of the {tech} ecosystem and how to use them",
                "A concrete hotspot: allocations, serialisation, lock contention",
                "Before/after numbers for the fix",
            ]),
        pattern(
            "perf.framework.layer", .performance, [.framework, .other],
            ko: "{where}에서 {tech} 계층 중 지연이나 렌더링 시간을 가장 많이 차지한 부분은 어디였고, 어떻게 측정해 줄였나요?",
            koTopic: "{tech}, 지연 분석, 최적화",
            koCover: [
                "지연을 계층별로 나누어 측정한 방법",
                "N+1 호출, 과도한 직렬화·렌더링 등 원인",
                "개선 후 수치와 사용자 체감 변화",
            ],
            en: "Which part of the {tech} layer in {where} added the most latency or render time, and how did you measure and cut it?",
            enTopic: "{tech}, latency breakdown, optimisation",
            enCover: [
                "How latency was broken down per layer",
                "Causes such as N+1 calls or excessive serialisation or rendering",
                "Numbers after the fix and the user-visible change",
            ]),
        pattern(
            "perf.messaging.lag", .performance, [.messaging],
            ko: "피크 시간마다 {where}의 {tech} 컨슈머 랙이 계속 늘어납니다. 원인을 어떻게 진단하고, 파티션 수·배치 크기·동시성 중 무엇을 조정하시겠습니까?",
            koTopic: "{tech}, 컨슈머 랙, 처리량 튜닝",
            koCover: [
                "랙 지표와 처리 시간 분포로 병목 위치 찾기",
                "파티션·컨슈머 수, 배치 크기, 동시성 조정의 효과와 한계",
                "다운스트림(DB, 외부 API) 병목 여부 확인",
            ],
            en: "Consumer lag on {tech} in {where} keeps growing at peak hours. How do you diagnose it, and which knobs (partitions, batch size, concurrency) would you turn?",
            enTopic: "{tech}, consumer lag, throughput tuning",
            enCover: [
                "Using lag and processing-time metrics to locate the bottleneck",
                "Effects and limits of partitions, batch size and concurrency",
                "Checking whether a downstream dependency is the real bottleneck",
            ]),
    ]
}
