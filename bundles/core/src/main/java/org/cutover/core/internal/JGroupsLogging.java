package org.cutover.core.internal;

import java.util.Arrays;
import java.util.IllegalFormatException;

import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;

/**
 * JGroups' SLF4J logger formats every message before it asks whether the level is on: {@code trace("%s", msg)}
 * runs {@code String.format} and the arguments' {@code toString} for a message nobody logs. In Karaf JGroups
 * logs through SLF4J (pax-logging exports {@code org.slf4j}, not log4j's core), and jgroups-raft's RAFT traces
 * every request and response it handles: 6 % of all CPU samples of the in-JVM adjust benchmark went to formatting
 * them (JFR, 2026-12-02). This logger asks first. And a format that does not fit its arguments (JGroups 5.4's
 * AddressedDNSResolver traces a lookup failure with {@code %a} and an exception) is logged as it is, with the
 * arguments beside it: a log call never throws into the protocol that makes it.
 */
public final class JGroupsLogging {

    private JGroupsLogging() {
    }

    /** before any JGroups class is used: JGroups' classes take their logger when they are loaded or made */
    public static void install() {
        if (!"slf4j".equals(LogFactory.loggerType())) {
            return; // JDK and log4j2 loggers already ask first
        }
        CustomLogFactory current = LogFactory.getCustomLogFactory();
        // ours of an earlier start of this bundle is replaced, whatever else an application set is kept
        if (current == null || current.getClass().getName().equals(LevelFirst.class.getName())) {
            LogFactory.setCustomLogFactory(new LevelFirst());
        }
    }

    static final class LevelFirst implements CustomLogFactory {
        @Override
        public Log getLog(Class<?> clazz) {
            return new LevelFirstLog(clazz);
        }

        @Override
        public Log getLog(String category) {
            return new LevelFirstLog(category);
        }
    }

    static String unformatted(String format, Object... args) {
        return format + " " + Arrays.toString(args);
    }

    /** JGroups' SLF4J logger that formats only a message whose level is on */
    static final class LevelFirstLog extends Slf4jLogImpl {

        LevelFirstLog(Class<?> clazz) {
            super(clazz);
        }

        LevelFirstLog(String category) {
            super(category);
        }

        @Override
        public void fatal(String msg, Object... args) {
            if (isFatalEnabled()) {
                try {
                    super.fatal(msg, args);
                } catch (IllegalFormatException e) {
                    super.fatal(unformatted(msg, args));
                }
            }
        }

        @Override
        public void error(String format, Object... args) {
            if (isErrorEnabled()) {
                try {
                    super.error(format, args);
                } catch (IllegalFormatException e) {
                    super.error(unformatted(format, args));
                }
            }
        }

        @Override
        public void warn(String msg, Object... args) {
            if (isWarnEnabled()) {
                try {
                    super.warn(msg, args);
                } catch (IllegalFormatException e) {
                    super.warn(unformatted(msg, args));
                }
            }
        }

        @Override
        public void info(String msg, Object... args) {
            if (isInfoEnabled()) {
                try {
                    super.info(msg, args);
                } catch (IllegalFormatException e) {
                    super.info(unformatted(msg, args));
                }
            }
        }

        @Override
        public void debug(String msg, Object... args) {
            if (isDebugEnabled()) {
                try {
                    super.debug(msg, args);
                } catch (IllegalFormatException e) {
                    super.debug(unformatted(msg, args));
                }
            }
        }

        @Override
        public void trace(String msg, Object... args) {
            if (isTraceEnabled()) {
                try {
                    super.trace(msg, args);
                } catch (IllegalFormatException e) {
                    super.trace(unformatted(msg, args));
                }
            }
        }
    }
}
