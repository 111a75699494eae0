// pmeta import, 6/7: datasets of the schedule that no step uses any more.
MATCH (d:Dataset {schedule: $schedule})
WHERE NOT (d)--()
DELETE d
