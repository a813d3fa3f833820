package dev.segplatform.experiment.problem;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.hibernate.exception.JDBCConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a failure to reach the database from every other failure. Spring, Hibernate, Hikari and the
 * driver wrap it differently depending on where it struck (getting a connection, beginning,
 * running or committing a transaction), so the whole cause chain is searched.
 */
public final class DatabaseUnavailable {

    private DatabaseUnavailable() {
    }

    public static boolean isCause(Throwable failure) {
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < 32; cause = cause.getCause(), depth++) {
            if (cause instanceof DataAccessResourceFailureException // includes CannotGetJdbcConnectionException
                    || cause instanceof CannotCreateTransactionException
                    || cause instanceof JDBCConnectionException
                    || cause instanceof SQLTransientConnectionException // Hikari: no connection in time
                    || cause instanceof SQLNonTransientConnectionException
                    || cause instanceof SQLRecoverableException
                    || cause instanceof SQLException sql && (lostConnection(sql.getSQLState()) || evicted(sql))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hikari closes a pooled connection that failed with a connection error and answers every later
     * call on it, such as the rollback after the failed statement, with this state-less exception;
     * Spring then reports the failed rollback instead of the original error.
     */
    private static boolean evicted(SQLException e) {
        return e.getSQLState() == null && "Connection is closed".equals(e.getMessage());
    }

    /**
     * SQLSTATE class 08 is "connection exception" (PostgreSQL's driver reports a broken socket as
     * 08006); 57P01-57P03 are the server shutting down, crashing or still starting up.
     */
    private static boolean lostConnection(String state) {
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }
}
