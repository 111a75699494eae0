// Run against the system database: accepted credentials answer with the user.
SHOW CURRENT USER YIELD user
RETURN user
