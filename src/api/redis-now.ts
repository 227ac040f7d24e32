/**
 * A Lua line setting `now` to Redis's own clock in milliseconds (`TIME`): scripts that compare with
 * expiries share one clock, whatever the clocks of the processes calling them.
 */
export const REDIS_NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
