package server

// NewWithRoutes is New for tests that walk every route.
var NewWithRoutes = newHandler
