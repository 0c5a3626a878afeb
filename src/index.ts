/**
 * Legato's public API: what a host application embeds. The CLI uses only this.
 */
export { createEngine, Engine, type EngineOptions, type RunOptions, type Progress, type ControlAction, type ControlResult, type ControlRefusal, type ControlOptions, type TriggerUpdate, type ManualAlgoRequest } from './engine/engine.js';
export type { Execution, ExecutionLeg, FillRecord, StateChange, EngineRecord, ControlRecord, TriggerPrices, LaunchView } from './engine/records.js';
export type { Summary, StrategySummary, LegExposure } from './engine/summary.js';
export { nakedQuantities } from './engine/summary.js';
export { stateString } from './engine/state-string.js';
export { loadConfigFile, resolveConfig, resolveConfigData, parseConfigText, type EngineConfig, type ResolvedStrategy, type Overrides } from './config/resolve.js';
export { configSchema, type ConfigInput, type FixConfigInput, type SimulatedConfigInput } from './config/schema.js';
export { demoConfig } from './config/demo.js';
export { VirtualClock } from './clock/virtual-clock.js';
export { WallClock } from './clock/wall-clock.js';
export type { Clock, TimerId } from './clock/clock.js';
export type { Venue, InstrumentInfo } from './venue/venue.js';
export { SimulatedVenue, type SimVenueSpec, type SimInstrumentSpec } from './venue/simulated/simulated-venue.js';
export { SpreadDefinition, type LegSpec, type SpreadSpec, type Leg } from './domain/spread.js';
export { spreadQuote, legQuoteProblem, type LegQuote, type SpreadQuote, type MarketView } from './domain/quote.js';
export { hedgedUnits, nakedLots, legDeviation, nakedDeviation, isBalanced, hedgeNeeds, type HedgeRounding } from './domain/position.js';
export { SessionCalendar, calendarFor, isTimeZone, type CalendarSpec, type SessionSpec, type Weekday } from './domain/session-calendar.js';
export type { OrderCommand, VenueReport, Side } from './domain/orders.js';
export type { Triggers } from './domain/triggers.js';
export { Decimal } from './domain/decimal.js';
export { LegatoError, ConfigError, ConfigErrors } from './domain/errors.js';
export { readRegularFile, FileReadError } from './io/read-file.js';
export { checkVenueCapabilities, checkLegQuotes } from './engine/capabilities.js';
export { toMarketViews } from './streams/market-views.js';
export { decisionMask, decisionRelevant } from './streams/decisions.js';
export { engineMachine } from '../machines/engine.machine.js';
export { strategyMachine, type StrategySpec } from '../machines/strategy.machine.js';
export { algoMachine, type AlgoSpec, type AlgoResult, type AlgoKind, type Purpose } from '../machines/algo.machine.js';
export { orderMachine } from '../machines/order.machine.js';
export { sessionMachine } from '../machines/session.machine.js';
export { runBacktest, type BacktestOptions, type BacktestResult, type BacktestSeries } from './backtest/run-backtest.js';
export { loadQuotes, dataFiles, DataError, BAD_KINDS, type DataReport, type BadKind, type LoadOptions } from './data/load.js';
export { QuoteTable } from './data/quote-table.js';
export { ReplayVenue, type ReplayVenueSpec, type ReplayInstrumentSpec } from './venue/replay/replay-venue.js';
export { Exchange, type ExchangeSpec, type ExchangeInstrument, type SimFaults, type VenueStatus } from './venue/exchange.js';
export { htmlReport } from './report/html-report.js';
export { sweepHtmlReport, type SweepReportOptions } from './report/sweep-report.js';
export { backtestCsvFiles, fillsCsv, executionsCsv, roundTripsCsv, sweepCsv } from './report/csv.js';
export { analyticsText } from './report/analytics-text.js';
export { explain, renderWhy, algoIdOf, wellFormedRecords, WhyError, type WhyChain, type WhyStep, type WhyStepKind, type WhyInput, type WhyInstrument } from './report/why.js';
export { journalRuns, journalRunWith, type JournalRun } from './report/why-journal.js';
export type { BacktestAnalytics, StrategyAnalytics, EquityCurve, EquityPoint, MaxDrawdown, RoundTrip, TripStats, SlippageStats, SlippageBucket, Costs, PositionPoint } from './backtest/analytics.js';
export { chart, type Series, type ChartOptions } from './report/svg-chart.js';
export { runSweep, parseSweep, combinations, applyCombination, sortRows, SWEEP_KEYS, type SweepAxis, type SweepRow, type SweepOptions } from './backtest/sweep.js';
export { DurableEngine, JournalStateError, journalStatus, journalledSummary, defaultDataDir, configFingerprint, JOURNAL_FILE, type DurableOptions, type Reconciliation, type JournalEntry, type JournalMeta, type JournalStatus } from './engine/durable.js';
export { DataDirBusyError } from './journal/dir-lock.js';
export { readJournal, JournalWriter, JournalError, type JournalContents, type JournalRecord, type TailDamage } from './journal/journal-file.js';
export { FollowerClock } from './clock/follower-clock.js';
export { RemoteVenue, RemoteVenueError } from './venue/remote/remote-venue.js';
export { SocketPathError, VenueHost, VenueServer, type VenueServerOptions } from './venue/remote/venue-host.js';
export type { VenueSync, VenueOrderState, VenueFill } from './venue/venue.js';
export type { VenueFacts, WireStats, WireOrderState } from './venue/remote/protocol.js';
// FIX 4.4 (docs/fix.md). Importing these loads nothing of jspurefix: it is an optional dependency, loaded when a
// FIX venue or acceptor first starts (FixUnavailableError when it is not installed).
export { FixVenue, FixVenueError, FixSequenceError, FixTlsError, type FixVenueOptions, type FixVenueSpec, type FixConnectionState } from './venue/fix/fix-venue.js';
export { FixAcceptor, type FixAcceptorOptions } from './venue/fix/fix-acceptor.js';
export { fixCredentials, readPem, FixCredentialsError, type FixCredentials, type FixTls } from './venue/fix/credentials.js';
export { FixUnavailableError } from './venue/fix/jspurefix.js';
// The market-data fan-out on NATS (docs/distributed.md): a feed process and strategy shards. The NATS client is
// loaded when a feed or a shard first connects.
export { runFeed, FeedError, type FeedRunOptions } from './distributed/feed-run.js';
export { Shard, ShardError, type ShardOptions, type ShardEvent } from './distributed/shard-run.js';
export { MdFeed, type MdFeedOptions, type MdFeedCounts, type MdMarket } from './distributed/md-feed.js';
export { MdSubscriber, MD_DROP_REASONS, type MdCounts, type MdDropReason, type MdSubscriberOptions, type MdTarget, type MdInstrument } from './distributed/md-subscriber.js';
export { MdSubjectError, WireUnits, quoteSubject, timeSubject, encodeQuote, encodeTime, decodeFrame, type MdFrame, type QuoteFrame, type TimeFrame, type MdFrameProblem } from './distributed/md-codec.js';
export { MdVenue, type MdVenueSpec } from './venue/nats/md-venue.js';
